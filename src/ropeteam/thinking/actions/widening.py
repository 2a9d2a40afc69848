"""Widening an unanswered request to the next circle, up to the duty lead."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.thinking import flow
from ropeteam.thinking.actions._circles import _ask, _circle, _first_reachable, _leads, _plan
from ropeteam.thinking.actions._common import _alert, _tell, session_of
from ropeteam.thinking.flow import Circle, State
from ropeteam.thinking.models import Consultation


def widen_now(*, consultation_id: int, from_circle: int) -> Consultation | None:
    """Everyone asked said no: ask the next circle now, if it still waits.

    Returns None when there was nothing to do (accepted, cancelled, or widened already), so
    a call that comes twice changes nothing the second time.
    """
    with transaction.atomic():
        row = _waiting(consultation_id)
        if row is None or row.circle != from_circle:
            return None
        following = flow.next_circle(Circle(row.circle))
        if following is None:
            return None
        now = timezone.now()
        _widen(row, following, now)
        _plan(row, now)
        row.save(update_fields=["widen_at"])
    return row


def keep_asking(*, consultation_id: int, position: int, at: datetime) -> Consultation | None:
    """A circle's wait is over (the escalation engine fires each step once, `at` its clock):
    ask the next circle or, at the last, alert the duty lead and the team leads again.

    Returns None when the request no longer waits (its chain ends with it, so only a step
    that raced the answer finds that).
    """
    with transaction.atomic():
        row = _waiting(consultation_id)
        if row is None:
            return None
        following = flow.next_circle(Circle(row.circle))
        if following is None:
            _alert_again(row, at, position=position)
            return row
        _widen(row, following, at)
        _plan(row, at)
        row.save(update_fields=["widen_at"])
    return row


def _waiting(consultation_id: int) -> Consultation | None:
    """The request, locked, if it still waits for a helper."""
    # Its team and seeker come along: widening reads both (the lock stays on the request).
    row = (
        Consultation.objects.select_related("team", "seeker")
        .select_for_update(of=("self",))
        .filter(pk=consultation_id)
        .first()
    )
    return row if row is not None and row.state == State.REQUESTED else None


def _widen(row: Consultation, following: Circle, now: datetime) -> None:
    """Ask the next circle that reaches anybody, and tell them and the help-seeker."""
    circle, reached = _first_reachable(row.team, row.seeker, following, now)
    before = session_of(row)
    session = flow.widen(before, circle=circle, asked=frozenset(reached))
    row.circle = session.circle
    if circle == Circle.DUTY_LEAD:
        row.duty_lead_alerted_at = now
    # Saved before the next round is planned: the ladder reads the circle from the row.
    row.save(update_fields=["circle", "duty_lead_alerted_at"])
    _ask(row, circle, reached, now, already=before.asked)
    record(
        actor=None,
        action="thinking.widened",
        target=row,
        team_id=row.team_id,
        data={"circle": circle.name.lower(), "asked": sorted(reached)},
    )
    _tell(row, reached, "requested")
    _tell(row, {row.seeker_id}, "widened")
    _alert(row, reached)


def _alert_again(row: Consultation, now: datetime, *, position: int) -> None:
    """Nobody accepted at the last circle: the duty lead and every team lead are asked (so
    any of them can accept) and alerted again; the help-seeker's page says whom to call."""
    ids = (_circle(row.team, row.seeker, Circle.DUTY_LEAD, now) | _leads(row.team)) - {
        row.seeker_id
    }
    _ask(row, Circle.DUTY_LEAD, ids, now)
    record(
        actor=None,
        action="thinking.alerted_again",
        target=row,
        team_id=row.team_id,
        data={"asked": sorted(ids), "step": position},
    )
    _tell(row, ids, "requested")
    _tell(row, {row.seeker_id}, "still_waiting")
    _alert(row, ids, again=position)
