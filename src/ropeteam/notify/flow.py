"""Who is told about which unread message, and the states of a delivery: plain Python."""

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    PUSH = "push"
    EMAIL = "email"


class State(StrEnum):
    QUEUED = "queued"  # claimed; a worker that died while sending leaves it here
    SENT = "sent"  # the push service or mail server accepted it
    FAILED = "failed"  # refused or unreachable
    GONE = "gone"  # the push service says the subscription no longer exists (404/410)


# A push service keeps a notification for a phone that is off for this long.
PUSH_TTL_SECONDS = 24 * 60 * 60
# Enough to recognise a message on a lock screen, well inside Web Push's 4 KB payload.
MAX_PREVIEW = 120


@dataclass(frozen=True)
class Unread:
    """The newest message in a batch someone did not send themselves."""

    conversation_id: int
    seq: int
    sender_id: int


def newest_for(
    messages: list[tuple[int, int, int]], recipient_id: int, conversation_id: int
) -> Unread | None:
    """The newest message of the conversation in `messages` sent by someone else."""
    others = [
        (seq, sender)
        for conversation, seq, sender in messages
        if conversation == conversation_id and sender != recipient_id
    ]
    if not others:
        return None
    seq, sender = max(others)
    return Unread(conversation_id, seq, sender)


def preview(text: str) -> str:
    """Message text cut short for a lock screen."""
    text = " ".join(text.split())
    return text if len(text) <= MAX_PREVIEW else text[: MAX_PREVIEW - 1] + "…"
