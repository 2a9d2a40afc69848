"""Holding the rope: accepting it, handing it over, asking the next rope holder."""

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import NotFound
from ropeteam.escalation import engine
from ropeteam.people import queries as people
from ropeteam.people.access import is_active_member
from ropeteam.people.models import User
from ropeteam.visits import flow
from ropeteam.visits.actions._common import (
    ROPE_WAIT,
    _ask_in_turn,
    _ask_rope_holder,
    _duty_lead,
    _everyone_concerned,
    _ids,
    _locked,
    _refused,
    _save,
    _tell,
    session_of,
)
from ropeteam.visits.flow import ROPE, Refused, State
from ropeteam.visits.models import Visit


def hold_rope(*, actor: User, visit: Visit) -> Visit:
    """I hold your rope: I know where you are and until when."""
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = flow.hold(session, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        engine.cancel(ladder=ROPE, subject_id=row.pk)
        record(actor=actor, action="visits.rope_held", target=row, team_id=row.team_id)
        _tell(row, _everyone_concerned(row), "rope_held")
    return row


def hand_over(*, actor: User, visit: Visit, to_id: int) -> Visit:
    """Pass the rope to a colleague (my shift ends, say); they must accept it."""
    if not is_active_member(to_id, visit.team_id):
        raise NotFound(_("No such colleague in this team."), field="to_id")
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = flow.hand_over(session, by=actor.pk, to=to_id)
        except Refused as error:
            raise _refused(error) from None
        row.rope_asked_at = timezone.now()
        _save(row, session)
        _ask_in_turn(row, row.rope_asked_at)
        record(
            actor=actor,
            action="visits.handed_over",
            target=row,
            team_id=row.team_id,
            data={"to": to_id},
        )
        _tell(row, _everyone_concerned(row) | {actor.pk}, "rope_asked")
        _ask_rope_holder(row, to_id)
    return row


def _ask_next_rope_holder(row: Visit, session: flow.Visit, now: datetime) -> flow.Visit:
    """Nobody accepted the rope in time: ask the worker's next rope holder, then the duty
    lead; when nobody is left, the duty lead is told that nobody holds the rope."""
    rope = [c.user.pk for c in people.rope_for(row.team, row.worker, now).holders]
    lead = _duty_lead(row.team, now)
    order = [*rope, *([lead] if lead is not None else [])]
    current = session.rope_holder
    after = order[order.index(current) + 1 :] if current in order else order
    following = next((u for u in after if u not in (row.worker_id, current)), None)
    if following is None:
        row.rope_asked_at = None
        record(actor=None, action="visits.rope_unheld", target=row, team_id=row.team_id)
        _tell(row, _ids(lead, row.worker_id), "rope_unheld")
        return session
    row.rope_asked_at = now
    record(
        actor=None,
        action="visits.rope_passed",
        target=row,
        team_id=row.team_id,
        data={"from": current, "to": following},
    )
    _tell(row, {following, row.worker_id}, "rope_asked")
    return replace(session, rope_holder=following)


def rope_unanswered(*, visit_id: int, now: datetime) -> None:
    """The rope holder asked has not accepted in time: ask the next one (ladder `visits.rope`)."""
    row = Visit.objects.select_related("team").filter(pk=visit_id).first()
    if row is None:
        return
    if (
        row.state != State.AWAITING_ROPE
        or row.rope_asked_at is None
        or row.rope_asked_at + ROPE_WAIT > now
    ):
        engine.cancel(ladder=ROPE, subject_id=row.pk)  # accepted or ended meanwhile
        return
    session = _ask_next_rope_holder(row, session_of(row), now)
    _save(row, session)
    if row.rope_asked_at is None:  # nobody left to ask: the visit's own chain still runs
        engine.cancel(ladder=ROPE, subject_id=row.pk)
    else:
        _ask_in_turn(row, now)
