"""The alarm: raised at once by the worker, repeated and widening until taken."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.escalation import engine
from ropeteam.people.models import User
from ropeteam.visits import flow
from ropeteam.visits.actions._common import (
    ALARM_OUT_OF_HOURS_AT,
    ALARM_TEAM_LEADS_AT,
    _alert,
    _duty_lead,
    _email_out_of_hours,
    _ids,
    _locked,
    _refused,
    _save,
    _team_leads,
    _tell,
    topic_of,
)
from ropeteam.visits.flow import ALARM_CHAIN, Refused
from ropeteam.visits.models import ALARM, Escalation, Visit


def raise_alarm(*, actor: User, visit: Visit) -> Escalation:
    """The big button: the rope holder and the duty lead are alerted together, at once, and
    again (widening) every repeat interval until someone says "I'm on it".

    Pressing it again (or a phone resending it after a dead zone, even once the visit has
    ended) is the same alarm: it neither alerts again nor restarts the repeats.
    """
    with transaction.atomic():
        row, session = _locked(visit.pk)
        existing = row.escalations.filter(step=ALARM).first()
        if existing is not None and actor.pk == row.worker_id:
            return existing
        try:
            session = flow.raise_alarm(session, by=actor.pk, now=timezone.now())
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        now = session.alarm_at or timezone.now()
        told = _ids(row.rope_holder_id, _duty_lead(row.team, now))
        alarm = Escalation.objects.create(
            visit=row,
            round=0,
            step=ALARM,
            due_at=now,
            fired_at=now,
            told=sorted(told),
            channels=["in_app"],
        )
        # The first alert is the one above, never a step: it must not wait for the worker.
        engine.open_chain(ladder=ALARM_CHAIN, subject_id=row.pk, round=1, start_at=now)
        record(
            actor=actor,
            action="visits.alarm",
            target=row,
            team_id=row.team_id,
            data={"told": sorted(told)},
        )
        _tell(row, told | {row.worker_id}, "alarm")
        _alert(row, topic_of(alarm), "visit_alarm", told)
    return alarm


def _widened(row: Visit, told: set[int], times: int) -> set[int]:
    """Those an alarm tells at its `times`-th repeat (see ALARM_TEAM_LEADS_AT)."""
    organisation = row.team.organisation
    if times >= ALARM_TEAM_LEADS_AT:
        told |= _team_leads(row.team_id)
    if times >= ALARM_OUT_OF_HOURS_AT:
        told |= _ids(organisation.out_of_hours_person_id)
    return told - {row.worker_id}


def alarm_again(*, visit_id: int, times: int, now: datetime) -> None:
    """Nobody has said "I'm on it" to the alarm: everyone told is alerted again, the circle
    widening at set repeats. Whether the visit has ended does not matter.

    Run by the engine (ladder `visits.alarm`) in its transaction, with the visit locked.
    """
    row = Visit.objects.select_related("team__organisation").filter(pk=visit_id).first()
    alarm = Escalation.objects.filter(visit_id=visit_id, step=ALARM).first() if row else None
    if row is None or alarm is None or alarm.acknowledged_at is not None:
        engine.cancel(ladder=ALARM_CHAIN, subject_id=visit_id)  # nothing left to alert about
        return
    told = _widened(row, set(alarm.told), times)
    alarm.told, alarm.repeats, alarm.alerted_again_at = sorted(told), times, now
    if times >= ALARM_OUT_OF_HOURS_AT:
        alarm.out_of_hours = row.team.organisation.out_of_hours_contact
        if _email_out_of_hours(row, alarm, "visit_alarm") and "email" not in alarm.channels:
            alarm.channels = [*alarm.channels, "email"]
    alarm.save(update_fields=["told", "repeats", "alerted_again_at", "out_of_hours", "channels"])
    record(
        actor=None,
        action="visits.alarm_repeated",
        target=row,
        team_id=row.team_id,
        data={"times": times, "told": alarm.told},
    )
    _tell(row, told | {row.worker_id}, "alarm_repeated")
    _alert(row, f"{topic_of(alarm)}:again:{times}", "visit_alarm", told)
