"""The only writers of Thinking Together: asking, widening, accepting, the steps, the outcome.

Each action locks the consultation row, asks `flow` whether the change is allowed, writes it
with an audit entry in one transaction, and tells the people concerned on their sockets
once it has committed. Callers use the package: `actions.request_help(...)`.
"""

from ropeteam.thinking.actions._common import (
    LADDER,
    MAX_ACTIONS,
    MAX_INVITED,
    MAX_NOTE,
    MAX_NOTES,
    session_of,
)
from ropeteam.thinking.actions.accepting import accept, begin_together, cancel, decline
from ropeteam.thinking.actions.afterwards import complete_action, mark_taken, share_for_supervision
from ropeteam.thinking.actions.asking import Ask, request_help
from ropeteam.thinking.actions.outcome import Agreed, quick_record, record_outcome
from ropeteam.thinking.actions.steps import facilitate, invite, move
from ropeteam.thinking.actions.timing import set_waits, waits
from ropeteam.thinking.actions.widening import keep_asking, widen_now

__all__ = [
    "LADDER",
    "MAX_ACTIONS",
    "MAX_INVITED",
    "MAX_NOTE",
    "MAX_NOTES",
    "Agreed",
    "Ask",
    "accept",
    "begin_together",
    "cancel",
    "complete_action",
    "decline",
    "facilitate",
    "invite",
    "keep_asking",
    "mark_taken",
    "move",
    "quick_record",
    "record_outcome",
    "request_help",
    "session_of",
    "set_waits",
    "share_for_supervision",
    "waits",
    "widen_now",
]
