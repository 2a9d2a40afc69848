"""Who is told about which unread message, and the states of a delivery: plain Python."""

from dataclasses import dataclass
from datetime import time
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


# --- a person's channels -----------------------------------------------------------------

# How long an e-mail verification link works.
EMAIL_LINK_HOURS = 24

# Alerts that may wait for the end of someone's quiet hours. Every other kind (an alarm, an
# emergency, a step of an escalation, a request someone is waiting on now) is always sent:
# a kind missing from here errs on the side of waking someone, never of silence.
ROUTINE_ALERTS = frozenset({"rope_holder_added", "rope_holder_asked"})

# Push services by host, so a person can tell their devices apart without the endpoint
# (a capability) being shown.
PUSH_SERVICES = {
    "fcm.googleapis.com": "Chrome, Edge or Android",
    "updates.push.services.mozilla.com": "Firefox",
    "web.push.apple.com": "Safari",
}


def is_routine(kind: str) -> bool:
    """Whether an alert of this kind may be held during quiet hours."""
    return kind in ROUTINE_ALERTS


def is_quiet(at: time, quiet_from: time | None, quiet_until: time | None) -> bool:
    """Whether the local clock time `at` falls in quiet hours [from, until), which may
    cross midnight (22:00 to 07:00)."""
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        return False
    if quiet_from < quiet_until:
        return quiet_from <= at < quiet_until
    return at >= quiet_from or at < quiet_until


def device_name(host: str) -> str:
    """What to call a browser by its push service's host."""
    if host.endswith(".notify.windows.com"):
        return "Windows"
    return PUSH_SERVICES.get(host, host)
