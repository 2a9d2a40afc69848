"""The only writers of field visits: starting, holding the rope, check-ins, the chain.

A visit's deadlines run on the escalation engine (ADR 0007), as two ladders (`tasks.py`):
- `visits.chain`: a round per expected end (starting opens round 1, each extension the next
  from the new end, which cancels the last), its steps the team's chain times, the last step
  repeating until a human says "I'm on it"; ending the visit cancels it;
- `visits.rope`: the rope holder asked has `ROPE_WAIT` to accept before the next is asked;
- `visits.alarm`: the alarm alerts at once (in the action), then again every repeat interval,
  widening (`ALARM_WIDENS`), until a human says "I'm on it". Only that silences it: ending
  the visit does not, since a worker who pressed the alarm and then "ended" may be under
  duress.
The engine fires each step once; the unique (visit, round, step) of `Escalation` is a second
guard, so a step that somehow ran twice still tells nobody twice.

Callers use the package: `actions.start_visit(...)`.
"""

from ropeteam.visits.actions._common import (
    ALARM_OUT_OF_HOURS_AT,
    ALARM_TEAM_LEADS_AT,
    MAX_LOCATION,
    MAX_NOTE,
    MAX_VISIT,
    ROPE_WAIT,
    repeat_every,
    session_of,
    topic_of,
)
from ropeteam.visits.actions.alarm import alarm_again, raise_alarm
from ropeteam.visits.actions.chain import chain_for, set_chain
from ropeteam.visits.actions.overdue import alert_again, escalate
from ropeteam.visits.actions.rope import hand_over, hold_rope, rope_unanswered
from ropeteam.visits.actions.starting import start_visit
from ropeteam.visits.actions.taking import acknowledge, acknowledge_by_link, resolve
from ropeteam.visits.actions.worker import Change, check_in, end_visit, extend
from ropeteam.visits.flow import ALARM_CHAIN, CHAIN  # callers name the ladders as actions.CHAIN

__all__ = [
    "ALARM_CHAIN",
    "ALARM_OUT_OF_HOURS_AT",
    "ALARM_TEAM_LEADS_AT",
    "CHAIN",
    "MAX_LOCATION",
    "MAX_NOTE",
    "MAX_VISIT",
    "ROPE_WAIT",
    "Change",
    "acknowledge",
    "acknowledge_by_link",
    "alarm_again",
    "alert_again",
    "chain_for",
    "check_in",
    "end_visit",
    "escalate",
    "extend",
    "hand_over",
    "hold_rope",
    "raise_alarm",
    "repeat_every",
    "resolve",
    "rope_unanswered",
    "session_of",
    "set_chain",
    "start_visit",
    "topic_of",
]
