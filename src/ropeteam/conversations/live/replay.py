"""What a socket reads back: the messages after a cursor (`resume`), and those another
instance stored (a wake-up). Run on the hub's reader threads."""

from dataclasses import dataclass

from django.db.models import Q

from ropeteam.conversations.live import frames, sql
from ropeteam.conversations.live.store import Stored, no_conversation
from ropeteam.conversations.models import Conversation, Message, Participant


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
