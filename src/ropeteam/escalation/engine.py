"""The one engine for timed steps: chains of steps stored as rows, fired by the worker.

The only writer of `Chain` and `Step` (ADR 0007). A domain registers a `Ladder` from its
AppConfig.ready, opens a chain in the transaction of the action that starts a wait, and
cancels or acknowledges it in the transaction of the action that ends it; the worker calls
`run_due` four times a second.

Locks come in one order everywhere: the ladder's subject row (a consultation, a concern...),
then the chain's rows, then whatever the handler writes. Domain actions lock their subject
anyway before they change it; `run_due` locks it before it claims a step, with SKIP LOCKED, so
a subject that someone is changing right now is left for the next sweep and a worker never
waits for an action or another worker. Locking the steps first instead would let a worker
holding a step wait for the subject (or the audit lock) held by an action that is itself
waiting to cancel that step: a deadlock.

At most once: a step is claimed by `UPDATE ... SET state='fired' WHERE id=%s AND
state='pending'` and only the transaction whose UPDATE changed the row fires it. That holds
on SQLite (one writer at a time) and on PostgreSQL (an UPDATE waits for a row another
transaction changed, then checks its WHERE again) with any number of workers.
"""

import logging
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from ropeteam.escalation.flow import ChainState, Rule, StepState, planned, repeat_at, utc
from ropeteam.escalation.models import Chain, Step
from ropeteam.people.models import User

logger = logging.getLogger("ropeteam.escalation")

# A handler that failed is tried again after 2, 4, 8... seconds, never more than a minute
# apart: it may be a database hiccup, and the step is still somebody's safety.
MAX_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class FiredStep:
    """What a ladder's handler is told: which step of which chain fired, and when."""

    ladder: str
    subject_id: int
    round: int
    position: int
    is_repeat: bool  # the last step again: nobody has acknowledged yet
    due_at: datetime
    fired_at: datetime


class Ladder(ABC):
    """A domain's timed steps; register one instance from the domain's AppConfig.ready."""

    name: ClassVar[str]
    # The row every change to this ladder's chains locks first (see the module's docstring).
    subject: ClassVar[type[models.Model]]

    @abstractmethod
    def rule(self, subject_id: int) -> Rule:
        """The waits before each step and how often the last repeats (per team, say)."""

    @abstractmethod
    def fire(self, step: FiredStep) -> None:
        """Tell people. It runs in the worker's transaction with the subject locked, so what
        it writes commits with the step or neither does; raising leaves the step to retry."""


_ladders: dict[str, Ladder] = {}


def register(ladder: Ladder) -> None:
    """Have the worker run this ladder's steps (call it from AppConfig.ready)."""
    known = _ladders.get(ladder.name)
    if known is not None and type(known) is not type(ladder):
        raise ImproperlyConfigured(f"two ladders are named {ladder.name!r}")
    _ladders[ladder.name] = ladder


def _ladder(name: str) -> Ladder:
    try:
        return _ladders[name]
    except KeyError:
        raise LookupError(f"no ladder named {name!r} is registered") from None


# --- what domain actions call, in their own transaction, with the subject locked ----------


def open_chain(*, ladder: str, subject_id: int, round: int, start_at: datetime) -> datetime:
    """Start a round of this ladder for a subject; an open earlier round is cancelled.

    Returns when its first step is due (what `next_due` would say, without asking again).
    """
    rule = _ladder(ladder).rule(subject_id)
    _end(ladder, subject_id, ChainState.CANCELLED)
    chain = Chain.objects.create(
        ladder=ladder,
        subject_id=subject_id,
        round=round,
        repeat_seconds=math.ceil(rule.repeat_every.total_seconds()),
        opened_at=utc(start_at),
    )
    due = planned(rule, start_at)
    Step.objects.bulk_create(Step(chain=chain, position=i, due_at=at) for i, at in enumerate(due))
    return due[0]


def cancel(*, ladder: str, subject_id: int) -> bool:
    """The event that makes the open chain moot happened: none of its steps will fire."""
    return _end(ladder, subject_id, ChainState.CANCELLED)


def acknowledge(*, ladder: str, subject_id: int, by: User | None) -> bool:
    """A human has taken it: the open chain stops, and says who.

    `by` is None for a human without an account (an organisation's out-of-hours contact
    confirming by an e-mailed link); the domain records who that was on its own rows.
    """
    return _end(ladder, subject_id, ChainState.ACKNOWLEDGED, by=by)


def _end(ladder: str, subject_id: int, state: ChainState, *, by: User | None = None) -> bool:
    now = timezone.now()
    chains = Chain.objects.filter(ladder=ladder, subject_id=subject_id, state=ChainState.OPEN)
    Step.objects.filter(chain__in=chains, state=StepState.PENDING).update(state=StepState.CANCELLED)
    if state == ChainState.ACKNOWLEDGED:
        ended = chains.update(state=state, acknowledged_at=now, acknowledged_by=by)
    else:
        ended = chains.update(state=state, cancelled_at=now)
    return ended > 0


# --- what the worker calls ----------------------------------------------------------------


def run_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """Fire the steps that are due, oldest first; the number fired.

    Up to `limit` steps share one transaction (one commit for many); each fires in its own
    savepoint, so a handler that fails is logged and tried again later without holding up
    the others. Without `now`, each step fires at the moment it is reached.
    """
    due = _due(_clock(now), limit)
    if not due:  # no write transaction at all: on SQLite that would queue behind writers
        return 0
    fired = 0
    with transaction.atomic():
        for step in due:
            fired += _run(step, _clock(now))
    return fired


def _clock(now: datetime | None) -> datetime:
    return utc(now) if now is not None else timezone.now()


@dataclass(frozen=True)
class _Due:
    """A due step as the sweep read it, with what firing it needs from its chain."""

    id: int
    position: int
    due_at: datetime
    is_repeat: bool
    attempts: int
    # Nothing comes after it in its chain: if the chain is still open once it fired, it
    # comes again. Nothing adds steps to an open chain but this, so the sweep can know.
    is_last: bool
    chain_id: int
    ladder: str
    subject_id: int
    round: int


def _due(moment: datetime, limit: int) -> list[_Due]:
    ready = Q(retry_at__isnull=True) | Q(retry_at__lte=moment)
    later = Step.objects.filter(chain_id=OuterRef("chain_id"), position__gt=OuterRef("position"))
    rows = (
        Step.objects.filter(ready, state=StepState.PENDING, due_at__lte=moment)
        .annotate(is_last=~Exists(later))
        .order_by("due_at", "chain_id", "position")
        .values_list(
            "pk",
            "position",
            "due_at",
            "is_repeat",
            "attempts",
            "is_last",
            "chain_id",
            "chain__ladder",
            "chain__subject_id",
            "chain__round",
        )[:limit]
    )
    return [_Due(*row) for row in rows]


# The worker's own statements are plain SQL: it runs them for every step, thousands a
# minute at the worst, and building them through the ORM cost more than running them.
# Table names come from the models; every value is a parameter.
_STEP, _CHAIN = Step._meta.db_table, Chain._meta.db_table
_CLAIM = f"""
    UPDATE {_STEP} SET state = %s, fired_at = %s
    WHERE id = %s AND state = %s
      AND EXISTS (SELECT 1 FROM {_CHAIN} c WHERE c.id = {_STEP}.chain_id AND c.state = %s)
      AND NOT EXISTS (
        SELECT 1 FROM {_STEP} e
        WHERE e.chain_id = {_STEP}.chain_id AND e.position < {_STEP}.position AND e.state = %s
      )
"""  # noqa: S608
_CHAIN_NOW = f"SELECT state, repeat_seconds FROM {_CHAIN} WHERE id = %s"  # noqa: S608


def _run(step: _Due, at: datetime) -> int:
    ladder = _ladders.get(step.ladder)
    if ladder is None:  # left pending, so /readyz shows it overdue rather than it vanishing
        logger.error("step %s: no ladder named %r is registered", step.id, step.ladder)
        return 0
    try:
        with transaction.atomic():
            if not _lock_subject(ladder, step.subject_id) or not _claim(step, at):
                return 0
            ladder.fire(
                FiredStep(
                    ladder=step.ladder,
                    subject_id=step.subject_id,
                    round=step.round,
                    position=step.position,
                    is_repeat=step.is_repeat,
                    due_at=step.due_at,
                    fired_at=at,
                )
            )
            if step.is_last:
                _repeat(step, at)
    except Exception:
        logger.exception(
            "step %s of chain %s (%s) failed; it will be tried again",
            step.position,
            step.chain_id,
            step.ladder,
        )
        _retry_later(step, at)
        return 0
    return 1


def _lock_subject(ladder: Ladder, subject_id: int) -> bool:
    """Lock the subject's row, or say that someone else holds it (skip it this time)."""
    if not connection.features.has_select_for_update:
        return True  # SQLite: the sweep's transaction already holds the one write lock
    table = connection.ops.quote_name(ladder.subject._meta.db_table)
    with connection.cursor() as cursor:
        locking = f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED"  # noqa: S608
        cursor.execute(locking, [subject_id])
        if cursor.fetchone() is not None:
            return True
        # Locked by someone, or gone: a gone subject has nothing to lock, and its handler
        # says what its steps mean now.
        cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s", [subject_id])  # noqa: S608
        return cursor.fetchone() is None


def _claim(step: _Due, at: datetime) -> bool:
    """Mark the step fired if it is still pending, its chain open and none before it pending."""
    fired_at = connection.ops.adapt_datetimefield_value(at)
    pending, fired, open_ = StepState.PENDING, StepState.FIRED, ChainState.OPEN
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [fired, fired_at, step.id, pending, open_, pending])
        claimed: int = cursor.rowcount
    return claimed == 1


def _repeat(step: _Due, at: datetime) -> None:
    """The last step of a chain still open comes again: no chain ends in silence."""
    with connection.cursor() as cursor:  # the handler may have ended the chain
        cursor.execute(_CHAIN_NOW, [step.chain_id])
        state, repeat_seconds = cursor.fetchone()
    if state != ChainState.OPEN:
        return
    Step.objects.create(
        chain_id=step.chain_id,
        position=step.position + 1,
        due_at=repeat_at(timedelta(seconds=repeat_seconds), at),
        is_repeat=True,
    )


def _retry_later(step: _Due, at: datetime) -> None:
    attempts = step.attempts + 1
    pause = min(timedelta(seconds=2**attempts), MAX_RETRY)
    Step.objects.filter(pk=step.id, state=StepState.PENDING).update(
        attempts=attempts, retry_at=at + pause
    )


def next_due(*, ladder: str, subject_id: int) -> datetime | None:
    """When the open chain's next step is due (None: no open chain)."""
    found: datetime | None = (
        Step.objects.filter(
            chain__ladder=ladder,
            chain__subject_id=subject_id,
            chain__state=ChainState.OPEN,
            state=StepState.PENDING,
        )
        .order_by("position")
        .values_list("due_at", flat=True)
        .first()
    )
    return found


def oldest_due(now: datetime) -> datetime | None:
    """When the pending step that has waited longest fell due (None: none is due)."""
    found: datetime | None = Step.objects.filter(
        state=StepState.PENDING, due_at__lte=now
    ).aggregate(at=Min("due_at"))["at"]
    return found
