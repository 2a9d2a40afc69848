"""The deadlines of a concern, as a ladder of the escalation engine."""

from ropeteam.concerns import actions
from ropeteam.concerns.flow import LADDER, Level
from ropeteam.concerns.models import Concern
from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import Rule


class Unanswered(Ladder):
    """A round per raise, step up or new challenge: re-sent after the level's time, escalated
    after it again, then whoever it went to is alerted again every such time until someone
    answers (the acknowledgement) or the raiser resolves it.

    One planned step and its repeats: a repeat is due the level's time after the step before
    fired, not after it was due, so the colleague gets their full time again once it is
    re-sent however late the re-send fired (two planned steps would shorten it by that).
    """

    name = LADDER
    subject = Concern

    def rule(self, subject_id: int) -> Rule:
        row = Concern.objects.select_related("team").get(pk=subject_id)
        wait = actions.times(row.team)[Level(row.level)]
        return Rule(delays=(wait,), repeat_every=wait)

    def fire(self, step: FiredStep) -> None:
        actions.unanswered_now(
            concern_id=step.subject_id, round_=step.round, position=step.position, at=step.fired_at
        )
