"""Going out on a visit."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.cases.models import Case
from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people import queries as people
from ropeteam.people.access import is_active_member, require
from ropeteam.people.flow import Permission, Status
from ropeteam.people.models import Team, User
from ropeteam.visits import flow
from ropeteam.visits.actions._common import (
    MAX_LOCATION,
    MAX_NOTE,
    MAX_VISIT,
    _ask_in_turn,
    _ask_rope_holder,
    _duty_lead,
    _open_chain,
    _refused,
    _save,
    _tell,
)
from ropeteam.visits.actions.chain import chain_for
from ropeteam.visits.flow import Refused
from ropeteam.visits.models import Visit


def _default_rope_holder(team: Team, worker: User, now: datetime) -> int | None:
    rope = people.rope_for(team, worker, now)
    for holder in rope.holders:
        if holder.availability.status == Status.AVAILABLE:
            return holder.user.pk
    return rope.holders[0].user.pk if rope.holders else _duty_lead(team, now)


def start_visit(
    *,
    actor: User,
    team: Team,
    location: str,
    expected_end: datetime,
    rope_holder_id: int | None = None,
    case_id: int | None = None,
    note: str = "",
) -> Visit:
    """Go out on a visit: someone will know where, until when, and act if I am not back."""
    require(actor, team, Permission.VIEW_TEAM)
    location, note = _where_and_note(location, note)
    now = timezone.now()
    if expected_end > now + MAX_VISIT:
        raise InvalidInput(_("A visit can be at most 12 hours long."), field="expected_end")
    rope_holder_id = _rope_holder_for(team, actor, rope_holder_id, now)
    case = _case_in_team(actor, team, case_id)
    chain = chain_for(team)
    try:
        visit = flow.start(
            worker=actor.pk,
            rope_holder=rope_holder_id,
            now=now,
            expected_end=expected_end,
            chain=chain,
        )
    except Refused as error:
        raise _refused(error) from None
    with transaction.atomic():
        row = Visit(
            team=team,
            worker=actor,
            case=case,
            location=location,
            note=note,
            started_at=now,
            rope_asked_at=now,
            chain_seconds=[int(c.total_seconds()) for c in visit.chain],
        )
        _save(row, visit)
        _open_chain(row)
        _ask_in_turn(row, now)
        _announce_start(row, actor=actor, rope_holder_id=rope_holder_id)
    return row


def _where_and_note(location: str, note: str) -> tuple[str, str]:
    """Where the visit is and its note, stripped: a place is required, and both are short."""
    location, note = location.strip(), note.strip()
    if not location:
        raise InvalidInput(
            _("Say where you are going (it is never shown in notifications)."), field="location"
        )
    if len(location) > MAX_LOCATION or len(note) > MAX_NOTE:
        raise InvalidInput(
            _("Keep it short."), field="location" if len(location) > MAX_LOCATION else "note"
        )
    return location, note


def _rope_holder_for(team: Team, actor: User, rope_holder_id: int | None, now: datetime) -> int:
    """The colleague chosen to hold the rope, or by default the first rope holder available."""
    if rope_holder_id is None:
        rope_holder_id = _default_rope_holder(team, actor, now)
        if rope_holder_id is None or rope_holder_id == actor.pk:
            raise InvalidInput(
                _("Nobody can hold your rope: choose a colleague."), field="rope_holder_id"
            )
    elif not is_active_member(rope_holder_id, team.pk):
        raise NotFound(_("No such colleague in this team."), field="rope_holder_id")
    return rope_holder_id


def _case_in_team(actor: User, team: Team, case_id: int | None) -> Case | None:
    """The case the visit is about, if any: one of this team's that the actor may see."""
    case = access_case(actor, case_id) if case_id is not None else None
    if case is not None and case.team_id != team.pk:
        raise NotFound(_("No such case."), field="case_id")
    return case


def _announce_start(row: Visit, *, actor: User, rope_holder_id: int) -> None:
    """Audit the start, and ask the rope holder on their sockets and by push or e-mail."""
    record(
        actor=actor,
        action="visits.started",
        target=row,
        team_id=row.team_id,
        data={"case": row.case_id, "rope_holder": rope_holder_id},
    )
    _tell(row, {rope_holder_id}, "rope_asked")
    _ask_rope_holder(row, rope_holder_id)
