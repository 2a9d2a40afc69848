"""Taking an alert: "I'm on it", by account or e-mailed link, and what happened."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput
from ropeteam.escalation import engine
from ropeteam.people.models import User
from ropeteam.visits import links
from ropeteam.visits.access import may_take
from ropeteam.visits.actions._common import MAX_NOTE, _tell
from ropeteam.visits.flow import ALARM_CHAIN, CHAIN
from ropeteam.visits.models import ALARM, Escalation, Visit


def _may_take(actor: User, escalation: Escalation) -> None:
    if not may_take(actor, escalation.visit, escalation):
        raise Forbidden(_("This alert was not sent to you."))


def acknowledge(*, actor: User, escalation: Escalation) -> Escalation:
    """I'm on it: whoever was told (or a lead) takes ownership, and the chain stops there.

    A human has taken it, so the chain's later steps and the top step's repeats are moot:
    the engine records who acknowledged. The alarm has a chain of its own (`visits.alarm`):
    taking the alarm stops its repeats, taking a step of the chain stops the chain.
    """
    _may_take(actor, escalation)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=escalation.visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if row.acknowledged_by_id is None:
            row.acknowledged_by, row.acknowledged_at = actor, timezone.now()
            row.save(update_fields=["acknowledged_by", "acknowledged_at"])
            _take_chain(actor, visit, row)
            record(
                actor=actor,
                action="visits.acknowledged",
                target=visit,
                team_id=visit.team_id,
                data={"step": row.step},
            )
            _tell(visit, set(row.told) | {visit.worker_id, actor.pk}, "acknowledged")
    return row


def acknowledge_by_link(*, visit_id: int, token: str) -> Escalation:
    """The out-of-hours contact confirms "I'm on it" by the e-mailed link (no account): the
    alert is taken as theirs and its chain stops, once; LinkRefused when it cannot be."""
    found = links.access_escalation_by_link(visit_id, token)  # a bad link takes no lock
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=found.pk)
        links.refuse_if_settled(row, visit)  # again under the lock: two clicks race
        row.acknowledged_at, row.acknowledged_by_out_of_hours_email = timezone.now(), True
        row.save(update_fields=["acknowledged_at", "acknowledged_by_out_of_hours_email"])
        _take_chain(None, visit, row)
        record(
            actor=None,
            action="visits.acknowledged",
            target=visit,
            team_id=visit.team_id,
            data={"step": row.step, "by": "out_of_hours_email"},
        )
        _tell(visit, set(row.told) | {visit.worker_id}, "acknowledged")
    return row


def _take_chain(actor: User | None, visit: Visit, escalation: Escalation) -> None:
    """Acknowledge the alarm's repeats, or the visit's open chain when this alert is of its
    current round."""
    if escalation.step == ALARM:
        engine.acknowledge(ladder=ALARM_CHAIN, subject_id=visit.pk, by=actor)
    elif escalation.round == visit.round:
        engine.acknowledge(ladder=CHAIN, subject_id=visit.pk, by=actor)


def resolve(*, actor: User, escalation: Escalation, outcome: str) -> Escalation:
    """What happened: "reached them, safe", "called the police"..."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Say what happened."), field="outcome")
    _may_take(actor, escalation)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=escalation.visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if row.resolved_by_id is not None:
            # What was recorded first stands; a second answer would overwrite it.
            raise Conflict(_("What happened has already been recorded for this alert."))
        row.resolved_by, row.resolved_at, row.outcome = actor, timezone.now(), outcome[:MAX_NOTE]
        row.save(update_fields=["resolved_by", "resolved_at", "outcome"])
        _take_chain(actor, visit, row)  # whoever says what happened has taken it
        record(
            actor=actor,
            action="visits.resolved",
            target=visit,
            team_id=visit.team_id,
            data={"step": row.step},
        )
        _tell(visit, set(row.told) | {visit.worker_id, actor.pk}, "resolved")
    return row
