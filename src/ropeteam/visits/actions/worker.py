"""What the worker on a visit says: checked in, extended, ended."""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.escalation import engine
from ropeteam.people.models import User
from ropeteam.visits import flow
from ropeteam.visits.actions._common import (
    _everyone_concerned,
    _locked,
    _open_chain,
    _refused,
    _save,
    _tell,
)
from ropeteam.visits.flow import CHAIN, ROPE, Refused
from ropeteam.visits.models import Visit


def check_in(*, actor: User, visit: Visit) -> Visit:
    """I'm OK."""
    return _worker_says(
        actor, visit, "checked_in", lambda s, now: flow.check_in(s, by=actor.pk, now=now)
    )


def extend(*, actor: User, visit: Visit, minutes: int) -> Visit:
    """A new expected end: a new round of the chain from it, the last one cancelled."""
    return _worker_says(
        actor,
        visit,
        "extended",
        lambda s, now: flow.extend(s, by=actor.pk, now=now, minutes=minutes),
        then=_open_chain,
    )


def end_visit(*, actor: User, visit: Visit) -> Visit:
    """Safe, done: whatever was pending is cancelled."""
    return _worker_says(
        actor, visit, "ended", lambda s, now: flow.end(s, by=actor.pk, now=now), then=_cancel_all
    )


def _cancel_all(row: Visit) -> None:
    engine.cancel(ladder=CHAIN, subject_id=row.pk)
    engine.cancel(ladder=ROPE, subject_id=row.pk)


Change = Callable[[flow.Visit, datetime], flow.Visit]


def _worker_says(
    actor: User,
    visit: Visit,
    event: str,
    change: Change,
    *,
    then: Callable[[Visit], None] | None = None,
) -> Visit:
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = change(session, timezone.now())
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        if then is not None:
            then(row)
        record(actor=actor, action=f"visits.{event}", target=row, team_id=row.team_id)
        _tell(row, _everyone_concerned(row), event)
    return row
