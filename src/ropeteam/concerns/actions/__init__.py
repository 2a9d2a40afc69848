"""The only writers of concerns: raising, responding, stepping up, re-sending, escalating,
resolving.

Each action locks the concern row, asks `flow` whether the change is allowed, writes it with
an audit entry in one transaction, and tells only the people who may see the concern: the
raiser and the colleague, and whoever it went to once escalated. Nobody else learns it
exists: events carry ids and states, alerts say only that there is something to look at.

Callers use the package: `actions.raise_concern(...)`.
"""

from ropeteam.concerns.actions._common import MAX_REPLY, concern_of
from ropeteam.concerns.actions.answer_times import DEFAULT_TIMES, set_times, times
from ropeteam.concerns.actions.closing import resolve, take_on
from ropeteam.concerns.actions.raising import raise_concern
from ropeteam.concerns.actions.responding import respond
from ropeteam.concerns.actions.routing import escalation_target, next_up_choices, next_up_id
from ropeteam.concerns.actions.statement import MAX_PART, Statement
from ropeteam.concerns.actions.stepping_up import challenge_again, step_up
from ropeteam.concerns.actions.unanswered import unanswered_now

# LADDER (concerns.flow) is the escalation ladder of a concern waiting for its colleague
# (registered by concerns.tasks): a round per raise, step up or new challenge; re-sent after
# the level's time, escalated after it again, then whoever it went to is alerted again every
# such time until someone answers.
from ropeteam.concerns.flow import LADDER

__all__ = [
    "DEFAULT_TIMES",
    "LADDER",
    "MAX_PART",
    "MAX_REPLY",
    "Statement",
    "challenge_again",
    "concern_of",
    "escalation_target",
    "next_up_choices",
    "next_up_id",
    "raise_concern",
    "resolve",
    "respond",
    "set_times",
    "step_up",
    "take_on",
    "times",
    "unanswered_now",
]
