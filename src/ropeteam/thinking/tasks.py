"""The deadlines of a Thinking Together request, as a ladder of the escalation engine."""

from datetime import timedelta

from django.conf import settings

from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import Rule
from ropeteam.thinking import actions
from ropeteam.thinking.flow import Circle, Urgency
from ropeteam.thinking.models import Consultation


class Widening(Ladder):
    """A round per circle: its one step is the team's wait for the request's urgency. The
    duty lead's circle has no wait to widen after, only the alert repeating until someone
    accepts (the acknowledgement)."""

    name = actions.LADDER
    subject = Consultation

    def rule(self, subject_id: int) -> Rule:
        row = Consultation.objects.select_related("team").get(pk=subject_id)
        wait = actions.waits(row.team)[Urgency(row.urgency)]
        return Rule(
            delays=(wait,) if row.circle < Circle.DUTY_LEAD else (),
            repeat_every=timedelta(seconds=settings.THINKING_REPEAT_SECONDS),
        )

    def fire(self, step: FiredStep) -> None:
        actions.keep_asking(
            consultation_id=step.subject_id, position=step.position, at=step.fired_at
        )
