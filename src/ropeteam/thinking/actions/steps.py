"""A session under way: its steps, the colleagues brought in, its facilitator."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import InvalidInput
from ropeteam.people.models import User
from ropeteam.thinking import flow
from ropeteam.thinking.actions._common import _bring_in, _locked, _refused, _require_members, _tell
from ropeteam.thinking.flow import Refused, Step
from ropeteam.thinking.models import Consultation, StepChange


def move(*, actor: User, consultation: Consultation, step: int) -> Consultation:
    """Move the session on one step, or back to an earlier one: live for everyone in it."""
    step_value = Step(step) if step in {s.value for s in Step} else None
    if step_value is None:
        raise InvalidInput(_("Steps are 1 to 4."), field="step")
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.move(session, by=actor.pk, to=step_value)
        except Refused as error:
            raise _refused(error) from None
        row.step = step_value
        row.save(update_fields=["step"])
        StepChange.objects.create(consultation=row, step=step_value, by=actor, at=timezone.now())
        _tell(row, session.participants, "step")
    return row


def invite(*, actor: User, consultation: Consultation, colleague_id: int) -> Consultation:
    """Widen the quorum: bring a colleague from the team into the session."""
    with transaction.atomic():
        row, session = _locked(consultation)
        _require_members(row.team_id, {colleague_id}, field="colleague_id")
        try:
            session = flow.invite(session, by=actor.pk, colleague=colleague_id)
        except Refused as error:
            raise _refused(error) from None
        record(
            actor=actor,
            action="thinking.invited",
            target=row,
            team_id=row.team_id,
            data={"colleague": colleague_id},
        )
        _bring_in(row, {colleague_id}, actor=actor, participants=session.participants)
    return row


def facilitate(*, actor: User, consultation: Consultation, facilitator_id: int) -> Consultation:
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.facilitate(session, by=actor.pk, facilitator=facilitator_id)
        except Refused as error:
            raise _refused(error) from None
        row.facilitator_id = facilitator_id
        row.save(update_fields=["facilitator"])
        _tell(row, session.participants, "facilitator")
    return row
