"""A field visit's deadlines, as ladders of the escalation engine (ADR 0007)."""

from datetime import timedelta
from itertools import pairwise

from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import Rule
from ropeteam.visits import actions
from ropeteam.visits.flow import ALARM_CHAIN, CHAIN, ROPE, Step
from ropeteam.visits.models import Visit


class VisitChain(Ladder):
    """A round per expected end, opened at it: the team's chain times (copied onto the visit
    when it started) are the waits, and the top step repeats until someone acknowledges."""

    name = CHAIN
    subject = Visit

    def rule(self, subject_id: int) -> Rule:
        offsets = Visit.objects.values_list("chain_seconds", flat=True).get(pk=subject_id)
        waits = [offsets[0], *(b - a for a, b in pairwise(offsets))]
        return Rule(
            delays=tuple(timedelta(seconds=s) for s in waits),
            repeat_every=actions.repeat_every(),
        )

    def fire(self, step: FiredStep) -> None:
        if step.position < len(Step):
            actions.escalate(
                visit_id=step.subject_id,
                round=step.round,
                step=Step(step.position),
                due_at=step.due_at,
                now=step.fired_at,
            )
        else:
            actions.alert_again(
                visit_id=step.subject_id,
                round=step.round,
                times=step.position - len(Step) + 1,
                now=step.fired_at,
            )


class RopeAsked(Ladder):
    """One step: the rope holder asked has not accepted within `ROPE_WAIT`."""

    name = ROPE
    subject = Visit

    def rule(self, subject_id: int) -> Rule:
        return Rule(delays=(actions.ROPE_WAIT,), repeat_every=actions.ROPE_WAIT)

    def fire(self, step: FiredStep) -> None:
        actions.rope_unanswered(visit_id=step.subject_id, now=step.fired_at)


class AlarmRepeats(Ladder):
    """The alarm again, every repeat interval after it was pressed, until someone says "I'm
    on it"; the action alerted the first time itself, so it never waits for the worker.
    Repeat n is position n - 1; who each repeat adds is `actions.ALARM_TEAM_LEADS_AT` and
    `actions.ALARM_OUT_OF_HOURS_AT`."""

    name = ALARM_CHAIN
    subject = Visit

    def rule(self, subject_id: int) -> Rule:
        every = actions.repeat_every()
        return Rule(delays=(every,), repeat_every=every)

    def fire(self, step: FiredStep) -> None:
        actions.alarm_again(visit_id=step.subject_id, times=step.position + 1, now=step.fired_at)
