"""A concern left unanswered: re-sent, escalated, then reminded."""

from datetime import datetime, timedelta

from django.db import transaction

from ropeteam.audit.log import record
from ropeteam.concerns import flow
from ropeteam.concerns.actions._common import _alert, _entry, _store, _tell, concern_of
from ropeteam.concerns.flow import LADDER, State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.escalation.flow import ChainState, repeat_at
from ropeteam.escalation.models import Chain


def unanswered_now(*, concern_id: int, round_: int, position: int, at: datetime) -> str:
    """A step of its chain came due without a response (the escalation engine fires each
    once and in order, `at` its clock): re-send it, then escalate it, then alert whoever it
    went to again, at every step until someone answers.

    Returns what happened ("resent", "escalated", "reminded", or "" when it no longer waits
    in this round: its chain ends with the answer, so only a step that raced it finds that).
    """
    with transaction.atomic():
        row = (
            Concern.objects.select_for_update().select_related("team").filter(pk=concern_id).first()
        )
        if row is None or row.round != round_ or row.state != State.RAISED:
            return ""
        before = concern_of(row)
        after, happened = flow.unanswered(before)
        _store(row, before, after, at=at)
        if happened == "resent":
            _entry(row, Entry.Kind.RESENT, None)
            record(actor=None, action="concerns.resent", target=row, team_id=row.team_id)
            _alert(row, "concern_resent", {row.colleague_id}, row.raiser_id)
            row.due_at = _next_repeat(row, at)
        else:
            # Escalated now (by `_store`), or already: then whoever it went to is alerted again.
            row.due_at = None
            if not happened:
                happened = "reminded"
                _remind(row, position)
        row.save()
        _tell(row, happened)
    return happened


def _next_repeat(row: Concern, at: datetime) -> datetime | None:
    """When the step firing now comes again (the engine adds it once the handler returns)."""
    repeat = (
        Chain.objects.filter(ladder=LADDER, subject_id=row.pk, state=ChainState.OPEN)
        .values_list("repeat_seconds", flat=True)
        .first()
    )
    return repeat_at(timedelta(seconds=repeat), at) if repeat is not None else None


def _remind(row: Concern, position: int) -> None:
    """Escalated and still unanswered: whoever it went to is alerted again (no chain ends in
    silence), and the two are told on their page."""
    record(
        actor=None,
        action="concerns.reminded",
        target=row,
        team_id=row.team_id,
        data={"to": row.escalate_to_id, "step": position},
    )
    _alert(row, "concern_escalated", {row.escalate_to_id}, row.raiser_id, again=position)
