"""An overdue visit's chain: each step fired once, the top step repeated."""

from datetime import datetime

from django.db import IntegrityError, transaction

from ropeteam.audit.log import record
from ropeteam.escalation import engine
from ropeteam.visits.actions._common import (
    _alert,
    _duty_lead,
    _email_out_of_hours,
    _ids,
    _team_leads,
    _tell,
    topic_of,
)
from ropeteam.visits.flow import CHAIN, State, Step
from ropeteam.visits.models import Escalation, Visit


def _told_at(row: Visit, step: Step, now: datetime) -> tuple[set[int], str]:
    """Who a step tells, and the out-of-hours contact when the chain reaches the top."""
    if step == Step.PROMPT_WORKER:
        return {row.worker_id}, ""
    if step == Step.ROPE_HOLDER:
        return _ids(row.rope_holder_id or _duty_lead(row.team, now)), ""
    if step == Step.DUTY_LEAD:
        return _ids(_duty_lead(row.team, now)), ""
    organisation = row.team.organisation
    contact = _ids(organisation.out_of_hours_person_id)
    return _team_leads(row.team_id) | contact, organisation.out_of_hours_contact


def _visit_to_fire(visit_id: int, round: int) -> Visit | None:
    """The visit a step of this round is about, or None when the step has become moot.

    The engine has locked the visit's row. A step fires only on an open visit in the round
    its chain was opened for; anything else would be a chain left open by mistake, and is
    cancelled rather than left to repeat.
    """
    row = Visit.objects.select_related("team__organisation").filter(pk=visit_id).first()
    if row is None:
        return None
    if row.state == State.ENDED or row.round != round:
        engine.cancel(ladder=CHAIN, subject_id=row.pk)
        return None
    return row


def escalate(*, visit_id: int, round: int, step: Step, due_at: datetime, now: datetime) -> None:
    """One step of a visit's chain fires: the people it tells are told, once.

    Run by the engine (ladder `visits.chain`) in its transaction, with the visit locked.
    """
    row = _visit_to_fire(visit_id, round)
    if row is None:
        return
    told, contact = _told_at(row, step, now)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                visit=row,
                round=round,
                step=step,
                due_at=due_at,
                fired_at=now,
                told=sorted(told),
                channels=["in_app"],
                out_of_hours=contact,
            )
    except IntegrityError:
        return  # fired already: the second guard under the engine's own
    if step == Step.TEAM_LEAD and _email_out_of_hours(row, escalation):
        escalation.channels = ["in_app", "email"]
        escalation.save(update_fields=["channels"])
    record(
        actor=None,
        action="visits.escalated",
        target=row,
        team_id=row.team_id,
        data={"step": step.name.lower(), "round": round, "told": escalation.told},
    )
    _tell(row, told | {row.worker_id}, f"step_{step}")
    kind = "visit_prompt" if step == Step.PROMPT_WORKER else "visit_overdue"
    _alert(row, topic_of(escalation), kind, told)


def alert_again(*, visit_id: int, round: int, times: int, now: datetime) -> None:
    """Nobody has acknowledged the top step: everyone told in this round is alerted again.

    Run by the engine for each repeat of the chain's last step; `times` counts the repeats.
    """
    row = _visit_to_fire(visit_id, round)
    if row is None:
        return
    top = Escalation.objects.filter(visit=row, round=round, step=Step.TEAM_LEAD).first()
    if top is None:
        return
    fired = Escalation.objects.filter(visit=row, round=round, step__gt=Step.PROMPT_WORKER)
    told = {i for e in fired for i in e.told} - {row.worker_id}
    top.alerted_again_at, top.repeats = now, top.repeats + 1
    top.save(update_fields=["alerted_again_at", "repeats"])
    record(
        actor=None,
        action="visits.alerted_again",
        target=row,
        team_id=row.team_id,
        data={"round": round, "times": times, "told": sorted(told)},
    )
    _tell(row, told | {row.worker_id}, "step_repeated")
    _alert(row, f"{topic_of(top)}:again:{times}", "visit_overdue", told)
    _email_out_of_hours(row, top)
