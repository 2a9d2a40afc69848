"""The writer's database work: sends and receipts from every socket of this process,
committed in one transaction per batch (group commit) on the hub's writer thread.

Every request re-checks access in the database: a participant of the conversation, still
in its team, with an active account. The in-memory registry only decides who is woken.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.conversations.live import frames, sql
from ropeteam.conversations.live.frames import FrameError
from ropeteam.conversations.models import Message
from ropeteam.conversations.signals import messages_stored
from ropeteam.realtime.events import Audience, dump

log = logging.getLogger(__name__)


def no_conversation(ref: str | int) -> FrameError:
    return FrameError("not_found", _("No such conversation."), field="conversation", ref=ref)


# --- the writer: sends and receipts in one transaction per batch ----------------------------


@dataclass(slots=True)
class Stored:
    """A new message, with the frame every participant gets."""

    conversation_id: int
    seq: int
    frame: str


@dataclass(slots=True)
class Moved:
    """Someone's receipt marks moved."""

    conversation_id: int
    frame: str


@dataclass(slots=True)
class Batch:
    """What one commit produced: an answer per request (None: nothing to say), and the
    events to fan out."""

    answers: list[str | None] = field(default_factory=list)
    stored: list[Stored] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)
    audiences: dict[int, Audience] = field(default_factory=dict)
    # The stored frames encrypted for the other instances' wake-up (only when they share one).
    sealed: str | None = None


Work = tuple[int, frames.Send | frames.Receipt]

# How long a failed batch may spend storing its requests one by one before the rest are
# answered `unavailable` (their clients send them again).
ONE_BY_ONE_SECONDS = 5.0


def write(batch: list[Work]) -> Batch:
    """Commit a batch of sends and receipts together (group commit), then say what happened.

    If the batch cannot commit as a whole (a request the database refuses, a retry racing
    the HTTP API), each request is tried on its own, so only the bad one fails.
    """
    try:
        with transaction.atomic():
            result = _write(batch)
    except Exception as error:
        if len(batch) == 1:
            log.exception("could not store a request")
            result = _single_failure(batch[0], error)
        else:
            log.warning("a batch of %d failed; storing them one by one", len(batch), exc_info=True)
            result = _one_by_one(batch)
    told = {s.conversation_id for s in result.stored} | {m.conversation_id for m in result.moved}
    result.audiences = {c: a for c, a in result.audiences.items() if c in told}
    return result


def _one_by_one(batch: list[Work]) -> Batch:
    result = Batch()
    deadline = time.monotonic() + ONE_BY_ONE_SECONDS
    given_up = False
    for work in batch:
        if given_up:
            # The database is not taking writes at all (the connection broke, or it is locked
            # for longer than a person waits): trying each request would only hold the rest.
            one = Batch(answers=[unavailable(work[1]).frame()])
        else:
            try:
                with transaction.atomic():
                    one = _write([work])
            except Exception as error:
                log.exception("could not store a request of user %d", work[0])
                one = _single_failure(work, error)
                broke = isinstance(error, OperationalError | InterfaceError)
                given_up = broke and not connection.is_usable()
            given_up = given_up or time.monotonic() > deadline
        result.answers += one.answers
        result.stored += one.stored
        result.moved += one.moved
        result.audiences |= one.audiences
    return result


def _single_failure(work: Work, error: Exception) -> Batch:
    """The answer to a request that failed on its own."""
    user_id, request = work
    if (
        isinstance(error, IntegrityError)
        and isinstance(request, frames.Send)
        and Message.objects.filter(sender_id=user_id, client_id=request.client_id)
        .exclude(conversation_id=request.conversation)
        .exists()
    ):
        answer = FrameError(
            "conflict",
            _("This client_id was already used for another conversation."),
            field="client_id",
            ref=str(request.client_id),
        )
    elif isinstance(error, DataError | UnicodeError) and isinstance(request, frames.Send):
        # The database refused this message's content: sending it again as it is would fail
        # again, and every batch it joined would take the slow path.
        answer = FrameError(
            "invalid",
            _("This message cannot be stored as it is; change it and send it again."),
            field="body",
            ref=str(request.client_id),
        )
    else:
        answer = unavailable(request)
    return Batch(answers=[answer.frame()])


def unavailable(request: frames.Send | frames.Receipt) -> FrameError:
    """The answer when the database could not take a request: try again."""
    if isinstance(request, frames.Send):
        return FrameError(
            "unavailable",
            _("The message could not be stored just now; send it again."),
            ref=str(request.client_id),
        )
    return FrameError(
        "unavailable",
        _("The receipt could not be stored just now; send it again."),
        ref=request.conversation,
    )


def _write(batch: list[Work]) -> Batch:
    now = timezone.now()
    allowed, audiences = _access({(request.conversation, user) for user, request in batch})
    earlier = sql.earlier((u, r.client_id) for u, r in batch if isinstance(r, frames.Send))
    result = Batch(answers=[None] * len(batch), audiences=audiences)
    receipts: list[tuple[int, int, frames.Receipt]] = []
    fresh: list[tuple[int, int, frames.Send]] = []  # (index, sender, request)
    seen: set[tuple[int, UUID]] = set()
    for index, (user_id, request) in enumerate(batch):
        if isinstance(request, frames.Receipt):
            receipts.append((index, user_id, request))
            continue
        ref = str(request.client_id)
        key = (user_id, request.client_id)
        if (request.conversation, user_id) not in allowed:
            result.answers[index] = no_conversation(ref).frame()
        elif key in earlier:
            conversation_id, seq, sent_at = earlier[key]
            result.answers[index] = (
                _ack(request, seq, sent_at, duplicate=True)
                if conversation_id == request.conversation
                else _conflict(ref)
            )
        elif key in seen:
            result.answers[index] = None  # answered below, once its twin has a seq
            fresh.append((index, user_id, request))
        else:
            seen.add(key)
            fresh.append((index, user_id, request))
    _store_fresh(fresh, now, result)
    _move_receipts(receipts, allowed, result)
    return result


def _access(
    asked: set[tuple[int, int]],
) -> tuple[set[tuple[int, int]], dict[int, Audience]]:
    """Of the (conversation, user) pairs asked, those allowed now; and each conversation's
    audience (its team and participants), from one query."""
    allowed: set[tuple[int, int]] = set()
    members: dict[int, tuple[int, set[int]]] = {}
    for conversation_id, team_id, user_id, may in sql.participants({c for c, _u in asked}):
        members.setdefault(conversation_id, (team_id, set()))[1].add(user_id)
        if may and (conversation_id, user_id) in asked:
            allowed.add((conversation_id, user_id))
    return allowed, {c: Audience(t, frozenset(u)) for c, (t, u) in members.items()}


def _store_fresh(fresh: list[tuple[int, int, frames.Send]], now: Any, result: Batch) -> None:
    """Number the batch's new messages, store them, and ack each (a twin within the batch
    is acked as a duplicate of the first)."""
    counts: dict[int, int] = {}
    firsts: dict[tuple[int, UUID], tuple[int, frames.Send]] = {}
    for _index, user_id, request in fresh:
        if (user_id, request.client_id) not in firsts:
            firsts[(user_id, request.client_id)] = (0, request)
            counts[request.conversation] = counts.get(request.conversation, 0) + 1
    last_seq = sql.take_seqs(counts)
    next_seq = {c: last_seq[c] - n + 1 for c, n in counts.items()}
    rows: list[sql.Row] = []
    own_marks: dict[tuple[int, int], int] = {}
    for index, user_id, request in fresh:
        key = (user_id, request.client_id)
        first_seq, first = firsts[key]
        if first_seq:
            if first.conversation == request.conversation:
                result.answers[index] = _ack(request, first_seq, now, duplicate=True)
            else:
                result.answers[index] = _conflict(str(request.client_id))
            continue
        seq = next_seq[request.conversation]
        next_seq[request.conversation] = seq + 1
        firsts[key] = (seq, request)
        rows.append(
            (request.conversation, seq, user_id, request.client_id, request.body, request.urgent)
        )
        # The sender has, by definition, received and read their own message.
        own_marks[(request.conversation, user_id)] = seq
        result.answers[index] = _ack(request, seq, now, duplicate=False)
        result.stored.append(_stored(request, seq, user_id, now))
    if rows:
        _insert(rows, own_marks, now)


def _insert(rows: list[sql.Row], own_marks: dict[tuple[int, int], int], now: Any) -> None:
    sql.insert_messages(rows, now)
    sql.mark_own(own_marks)
    # Inside the transaction: what receivers write (notify's deadline task) commits with the
    # messages or not at all.
    messages_stored.send(
        sender=Message,
        messages=[(c, seq, u) for c, seq, u, _id, _b, _u in rows],
        urgent=[(c, seq) for c, seq, _s, _id, _b, urgent in rows if urgent],
    )


def _stored(request: frames.Send, seq: int, sender: int, now: Any) -> Stored:
    frame = frames.message(
        conversation=request.conversation,
        seq=seq,
        sender=sender,
        client_id=request.client_id,
        body=request.body,
        sent_at=now,
        urgent=request.urgent,
    )
    return Stored(request.conversation, seq, frame)


def _conflict(ref: str) -> str:
    return FrameError(
        "conflict",
        _("This client_id was already used for another conversation."),
        field="client_id",
        ref=ref,
    ).frame()


def _ack(request: frames.Send, seq: int, sent_at: Any, *, duplicate: bool) -> str:
    return dump(
        {
            "type": "ack",
            "conversation": request.conversation,
            "client_id": str(request.client_id),
            "seq": seq,
            "sent_at": frames.moment(sent_at),
            "duplicate": duplicate,
        }
    )


def _move_receipts(
    receipts: list[tuple[int, int, frames.Receipt]],
    allowed: set[tuple[int, int]],
    result: Batch,
) -> None:
    for index, user_id, receipt in receipts:
        if (receipt.conversation, user_id) not in allowed:
            result.answers[index] = no_conversation(receipt.conversation).frame()
            continue
        moved = sql.move_receipt(receipt.conversation, user_id, receipt.delivered, receipt.read)
        if moved is None:
            continue  # an old or repeated receipt: nothing to tell
        result.moved.append(
            Moved(
                receipt.conversation,
                dump(
                    {
                        "type": "receipt",
                        "conversation": receipt.conversation,
                        "user": user_id,
                        "delivered": moved[0],
                        "read": moved[1],
                    }
                ),
            )
        )
