"""The web pages: parse the form, check access, call one action or query, render.

Every form posts to its own view; when an action refuses the input, the page is shown again
with the message beside the field (HTTP 400). Successful changes redirect, except where a
secret is shown once.
"""

from ropeteam.web.views.account import team_choose, team_new, teams, token_revoke, tokens
from ropeteam.web.views.audit_trail import audit_trail
from ropeteam.web.views.cases import case_detail, case_edit, case_list, case_new, case_risk
from ropeteam.web.views.concerns import activity as concern_activity
from ropeteam.web.views.concerns import challenge as concern_challenge
from ropeteam.web.views.concerns import detail as concern_detail
from ropeteam.web.views.concerns import mine as concern_list
from ropeteam.web.views.concerns import new as concern_new
from ropeteam.web.views.concerns import resolve as concern_resolve
from ropeteam.web.views.concerns import respond as concern_respond
from ropeteam.web.views.concerns import step_up as concern_step_up
from ropeteam.web.views.concerns import take_on as concern_take_on
from ropeteam.web.views.concerns import times as concern_times
from ropeteam.web.views.conversations import (
    conversation_detail,
    conversation_list,
    conversation_start,
)
from ropeteam.web.views.device import favicon, manifest, offline, service_worker
from ropeteam.web.views.devices import (
    device_sign_out,
    devices,
    devices_sign_out_everything,
    devices_sign_out_others,
    member_sign_out,
    password_change,
)
from ropeteam.web.views.emergency import acknowledge as emergency_acknowledge
from ropeteam.web.views.notifications import device_remove as notify_device_remove
from ropeteam.web.views.notifications import device_test as notify_device_test
from ropeteam.web.views.notifications import email as notify_email
from ropeteam.web.views.notifications import email_remove as notify_email_remove
from ropeteam.web.views.notifications import email_verify as notify_email_verify
from ropeteam.web.views.notifications import notifications
from ropeteam.web.views.notifications import phone as notify_phone
from ropeteam.web.views.notifications import quiet_hours as notify_quiet_hours
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
from ropeteam.web.views.thinking import accept as thinking_accept
from ropeteam.web.views.thinking import action_done as thinking_action_done
from ropeteam.web.views.thinking import ask as thinking_ask
from ropeteam.web.views.thinking import cancel as thinking_cancel
from ropeteam.web.views.thinking import decline as thinking_decline
from ropeteam.web.views.thinking import facilitate as thinking_facilitate
from ropeteam.web.views.thinking import invite as thinking_invite
from ropeteam.web.views.thinking import move as thinking_move
from ropeteam.web.views.thinking import outcome as thinking_outcome
from ropeteam.web.views.thinking import session as thinking_session
from ropeteam.web.views.thinking import share as thinking_share
from ropeteam.web.views.thinking_records import activity as thinking_activity
from ropeteam.web.views.thinking_records import agenda_taken as thinking_agenda_taken
from ropeteam.web.views.thinking_records import history as thinking_history
from ropeteam.web.views.thinking_records import quick as thinking_quick
from ropeteam.web.views.urgent import acknowledge as urgent_acknowledge
from ropeteam.web.views.visit_board import board as visit_board
from ropeteam.web.views.visit_board import chain as visit_chain
from ropeteam.web.views.visits import acknowledge as visit_acknowledge
from ropeteam.web.views.visits import alarm as visit_alarm
from ropeteam.web.views.visits import check_in as visit_check_in
from ropeteam.web.views.visits import detail as visit_detail
from ropeteam.web.views.visits import end as visit_end
from ropeteam.web.views.visits import extend as visit_extend
from ropeteam.web.views.visits import hand_over as visit_hand_over
from ropeteam.web.views.visits import hold as visit_hold
from ropeteam.web.views.visits import new as visit_new
from ropeteam.web.views.visits import on_it as visit_on_it
from ropeteam.web.views.visits import resolve as visit_resolve

__all__ = [
    "audit_trail",
    "availability",
    "case_detail",
    "case_edit",
    "case_list",
    "case_new",
    "case_risk",
    "concern_activity",
    "concern_challenge",
    "concern_detail",
    "concern_list",
    "concern_new",
    "concern_resolve",
    "concern_respond",
    "concern_step_up",
    "concern_take_on",
    "concern_times",
    "conversation_detail",
    "conversation_list",
    "conversation_start",
    "device_sign_out",
    "devices",
    "devices_sign_out_everything",
    "devices_sign_out_others",
    "emergency_acknowledge",
    "favicon",
    "home",
    "invitation_revoke",
    "invitations",
    "join",
    "manifest",
    "member_change",
    "member_detail",
    "member_remove",
    "member_rope",
    "member_sign_out",
    "notifications",
    "notify_device_remove",
    "notify_device_test",
    "notify_email",
    "notify_email_remove",
    "notify_email_verify",
    "notify_phone",
    "notify_quiet_hours",
    "offline",
    "password_change",
    "rota",
    "service_worker",
    "shift_add",
    "shift_remove",
    "team_board",
    "team_choose",
    "team_new",
    "teams",
    "thinking_accept",
    "thinking_action_done",
    "thinking_activity",
    "thinking_agenda_taken",
    "thinking_ask",
    "thinking_cancel",
    "thinking_decline",
    "thinking_facilitate",
    "thinking_history",
    "thinking_invite",
    "thinking_move",
    "thinking_outcome",
    "thinking_quick",
    "thinking_session",
    "thinking_share",
    "token_revoke",
    "tokens",
    "urgent_acknowledge",
    "visit_acknowledge",
    "visit_alarm",
    "visit_board",
    "visit_chain",
    "visit_check_in",
    "visit_detail",
    "visit_end",
    "visit_extend",
    "visit_hand_over",
    "visit_hold",
    "visit_new",
    "visit_on_it",
    "visit_resolve",
]
