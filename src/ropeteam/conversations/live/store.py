"""The database work of the realtime path: plain synchronous functions, run on the writer
thread (sends and receipts, in batches) or a reader thread (everything else).

Every function re-checks access in the database: a participant of the conversation, still
in its team, with an active account. The in-memory registry only decides who is woken.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user
from django.db import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ropeteam.conversations.live import frames, sql
from ropeteam.conversations.live.frames import FrameError
from ropeteam.conversations.models import Conversation, LiveEvent, Message, Participant
from ropeteam.conversations.signals import messages_stored
from ropeteam.people.actions import authenticate_token
from ropeteam.people.flow import Status, effective_availability
from ropeteam.people.models import Membership, User

log = logging.getLogger(__name__)


def no_conversation(ref: str | int) -> FrameError:
    return FrameError("not_found", _("No such conversation."), field="conversation", ref=ref)


# --- who is connecting ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Teammate:
    user_id: int
    team_ids: frozenset[int]
    availability: str
    until: str | None


@dataclass(frozen=True, slots=True)
class Arrival:
    """A person whose socket may stay: what they may follow, and their teammates."""

    user_id: int
    team_ids: frozenset[int]
    conversations: dict[int, int]
    teammates: list[Teammate]
    me: Teammate


def authenticate(*, session_key: str | None, bearer: str | None) -> User | None:
    """The active person behind a session cookie or a bearer token, or None."""
    if bearer is not None:
        return authenticate_token(bearer)
    if not session_key:
        return None
    store = import_string(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    return user if isinstance(user, User) and user.is_active else None


def _availability(user: Any, now: Any) -> tuple[str, str | None]:
    shown = effective_availability(Status(user.availability_status), user.availability_until, now)
    return shown.status.value, shown.until.isoformat() if shown.until else None


def arrive(user: User) -> Arrival:
    """What a newly connected person sees first (the `welcome` frame's contents)."""
    now = timezone.now()
    team_ids = frozenset(
        Membership.objects.filter(user=user, removed_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    conversations = dict(
        Participant.objects.filter(user=user, conversation__team_id__in=team_ids).values_list(
            "conversation_id", "conversation__last_seq"
        )
    )
    teams_of: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in Membership.objects.filter(
        team_id__in=team_ids, removed_at__isnull=True, user__is_active=True
    ).values_list("user_id", "team_id"):
        teams_of[user_id].add(team_id)
    teammates = []
    for mate in User.objects.filter(pk__in=teams_of).exclude(pk=user.pk).order_by("pk"):
        status, until = _availability(mate, now)
        teammates.append(Teammate(mate.pk, frozenset(teams_of[mate.pk]), status, until))
    status, until = _availability(user, now)
    return Arrival(
        user_id=user.pk,
        team_ids=team_ids,
        conversations=conversations,
        teammates=teammates,
        me=Teammate(user.pk, team_ids, status, until),
    )


def teammate(user_id: int) -> Teammate | None:
    """One person's availability and teams now, for a presence event."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    status, until = _availability(user, timezone.now())
    team_ids = frozenset(
        Membership.objects.filter(user=user, removed_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    return Teammate(user.pk, team_ids, status, until)


# --- what may be followed -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a conversation's events are for: its team and participants."""

    team_id: int
    user_ids: frozenset[int]


def audiences(conversation_ids: set[int]) -> dict[int, Audience]:
    found: dict[int, tuple[int, set[int]]] = {}
    for conversation_id, team_id, user_id in Participant.objects.filter(
        conversation_id__in=conversation_ids
    ).values_list("conversation_id", "conversation__team_id", "user_id"):
        found.setdefault(conversation_id, (team_id, set()))[1].add(user_id)
    return {c: Audience(t, frozenset(u)) for c, (t, u) in found.items()}


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
    result.audiences = audiences({s.conversation_id for s in result.stored})
    result.audiences |= audiences({m.conversation_id for m in result.moved})
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
    allowed = sql.allowed({(request.conversation, user_id) for user_id, request in batch})
    earlier = sql.earlier((u, r.client_id) for u, r in batch if isinstance(r, frames.Send))
    result = Batch(answers=[None] * len(batch))
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


def _store_fresh(fresh: list[tuple[int, int, frames.Send]], now: Any, result: Batch) -> None:
    """Number the batch's new messages, store them, and ack each (a twin within the batch
    is acked as a duplicate of the first)."""
    firsts, next_seq = _numbering(fresh)
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
    if not rows:
        return
    _insert(rows, own_marks, now)


def _numbering(
    fresh: list[tuple[int, int, frames.Send]],
) -> tuple[dict[tuple[int, UUID], tuple[int, frames.Send]], dict[int, int]]:
    """Each new message's first occurrence (its seq 0 until numbered), and the next seq of
    each conversation, taken for all of them at once."""
    counts: dict[int, int] = {}
    firsts: dict[tuple[int, UUID], tuple[int, frames.Send]] = {}
    for _index, user_id, request in fresh:
        if (user_id, request.client_id) not in firsts:
            firsts[(user_id, request.client_id)] = (0, request)
            counts[request.conversation] = counts.get(request.conversation, 0) + 1
    last_seq = sql.take_seqs(counts)
    return firsts, {c: last_seq[c] - n + 1 for c, n in counts.items()}


def _stored(request: frames.Send, seq: int, user_id: int, now: Any) -> Stored:
    """A stored message, with the frame its conversation's sockets are sent."""
    return Stored(
        request.conversation,
        seq,
        frames.message(
            conversation=request.conversation,
            seq=seq,
            sender=user_id,
            client_id=request.client_id,
            body=request.body,
            sent_at=now,
            urgent=request.urgent,
        ),
    )


def _insert(rows: list[sql.Row], own_marks: dict[tuple[int, int], int], now: Any) -> None:
    """Write the batch's messages and the senders' own read marks, and tell the receivers."""
    sql.insert_messages(rows, now)
    sql.mark_own(own_marks)
    # Inside the transaction: what receivers write (notify's deadline task) commits with the
    # messages or not at all.
    messages_stored.send(
        sender=Message,
        messages=[(c, seq, u) for c, seq, u, _id, _b, _u in rows],
        urgent=[(c, seq) for c, seq, _s, _id, _b, urgent in rows if urgent],
    )


def _conflict(ref: str) -> str:
    return FrameError(
        "conflict",
        _("This client_id was already used for another conversation."),
        field="client_id",
        ref=ref,
    ).frame()


def _ack(request: frames.Send, seq: int, sent_at: Any, *, duplicate: bool) -> str:
    return frames.dump(
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
                frames.dump(
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


# --- readers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    conversation_id: int
    frames: list[str]
    upto: int
    done: bool
    # Each participant's (delivered, read) marks, so a device that was away shows the
    # right state for what it sent.
    marks: dict[int, tuple[int, int]]


def replay(user_id: int, cursors: dict[int, int], *, limit: int = 200) -> list[Page | str]:
    """For each conversation the person may follow, the messages after their cursor.

    A conversation they may not follow (or that does not exist) is an error frame, the same
    for both.
    """
    allowed = {c for c, _ in sql.allowed({(c, user_id) for c in cursors})}
    out: list[Page | str] = []
    last_seq = dict(Conversation.objects.filter(pk__in=allowed).values_list("pk", "last_seq"))
    marks: dict[int, dict[int, tuple[int, int]]] = {c: {} for c in allowed}
    for conversation_id, member, delivered, read in Participant.objects.filter(
        conversation_id__in=allowed
    ).values_list("conversation_id", "user_id", "last_delivered_seq", "last_read_seq"):
        marks[conversation_id][member] = (delivered, read)
    for conversation_id, after in cursors.items():
        if conversation_id not in allowed:
            out.append(no_conversation(conversation_id).frame())
            continue
        rows = list(
            Message.objects.filter(conversation_id=conversation_id, seq__gt=after)
            .order_by("seq")
            .values_list("seq", "sender_id", "client_id", "body", "sent_at", "urgent")[:limit]
        )
        texts = [
            frames.message(
                conversation=conversation_id,
                seq=seq,
                sender=sender,
                client_id=client_id,
                body=body,  # decrypted by the field on the way out
                sent_at=sent_at,
                urgent=urgent,
            )
            for seq, sender, client_id, body, sent_at, urgent in rows
        ]
        # The last message sent, so the next page starts right after it (a message committed
        # since last_seq was read is simply included); a cursor beyond the conversation's end
        # is brought back to it.
        upto = rows[-1][0] if rows else min(after, last_seq[conversation_id])
        out.append(
            Page(conversation_id, texts, upto, done=len(rows) < limit, marks=marks[conversation_id])
        )
    return out


def messages_in(ranges: dict[int, tuple[int, int]]) -> list[Stored]:
    """Messages by (conversation, first..last seq): what another instance stored."""
    query = Q()
    for conversation_id, (first, last) in ranges.items():
        query |= Q(conversation_id=conversation_id, seq__gte=first, seq__lte=last)
    if not ranges:
        return []
    return [
        Stored(
            m.conversation_id,
            m.seq,
            frames.message(
                conversation=m.conversation_id,
                seq=m.seq,
                sender=m.sender_id,
                client_id=m.client_id,
                body=m.body,
                sent_at=m.sent_at,
                urgent=m.urgent,
            ),
        )
        for m in Message.objects.filter(query).order_by("conversation_id", "seq")
    ]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a connected person stands now: their teams and conversations' last seq."""

    team_ids: frozenset[int]
    conversations: dict[int, int]


def standings(user_ids: set[int]) -> dict[int, Standing]:
    """For each connected person still allowed in, their teams and conversations.

    Someone missing from the answer has been deactivated.
    """
    teams: dict[int, set[int]] = {
        u: set()
        for u in User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True)
    }
    for user_id, team_id in Membership.objects.filter(
        user_id__in=teams, removed_at__isnull=True
    ).values_list("user_id", "team_id"):
        teams[user_id].add(team_id)
    conversations: dict[int, dict[int, int]] = {u: {} for u in teams}
    for user_id, conversation_id, team_id, last in Participant.objects.filter(
        user_id__in=teams
    ).values_list("user_id", "conversation_id", "conversation__team_id", "conversation__last_seq"):
        if team_id in teams[user_id]:
            conversations[user_id][conversation_id] = last
    return {u: Standing(frozenset(teams[u]), conversations[u]) for u in teams}


# --- the event outbox: events from processes without sockets ---------------------------------

EVENT_LIFETIME = timedelta(minutes=5)


def leave_event(message: dict[str, Any]) -> None:
    LiveEvent.objects.create(created_at=timezone.now(), kind=message["type"], payload=message)


def leave_events(messages: list[dict[str, Any]]) -> None:
    """Several events in one transaction, in order."""
    now = timezone.now()
    with transaction.atomic():
        LiveEvent.objects.bulk_create(
            LiveEvent(created_at=now, kind=m["type"], payload=m) for m in messages
        )


def last_event_id() -> int:
    return LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_after(cursor: int) -> list[tuple[int, dict[str, Any]]]:
    return list(
        LiveEvent.objects.filter(pk__gt=cursor, created_at__gte=timezone.now() - EVENT_LIFETIME)
        .order_by("pk")
        .values_list("pk", "payload")
    )


def forget_events() -> None:
    LiveEvent.objects.filter(created_at__lt=timezone.now() - EVENT_LIFETIME).delete()
