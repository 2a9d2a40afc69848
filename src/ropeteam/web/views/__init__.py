"""The web pages: parse the form, check access, call one action or query, render.

Every form posts to its own view; when an action refuses the input, the page is shown again
with the message beside the field (HTTP 400). Successful changes redirect, except where a
secret is shown once.
"""

from ropeteam.web.views.account import team_choose, team_new, teams, token_revoke, tokens
from ropeteam.web.views.cases import case_detail, case_edit, case_list, case_new, case_risk
from ropeteam.web.views.conversations import (
    conversation_detail,
    conversation_list,
    conversation_start,
)
from ropeteam.web.views.device import offline, service_worker
from ropeteam.web.views.rope import (
    availability,
    home,
    member_change,
    member_detail,
    member_remove,
    member_rope,
    team_board,
)
from ropeteam.web.views.team import (
    invitation_revoke,
    invitations,
    join,
    rota,
    shift_add,
    shift_remove,
)

__all__ = [
    "availability",
    "case_detail",
    "case_edit",
    "case_list",
    "case_new",
    "case_risk",
    "conversation_detail",
    "conversation_list",
    "conversation_start",
    "home",
    "invitation_revoke",
    "invitations",
    "join",
    "member_change",
    "member_detail",
    "member_remove",
    "member_rope",
    "offline",
    "rota",
    "service_worker",
    "shift_add",
    "shift_remove",
    "team_board",
    "team_choose",
    "team_new",
    "teams",
    "token_revoke",
    "tokens",
]
