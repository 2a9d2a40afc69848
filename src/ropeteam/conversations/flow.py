"""Conversation kinds and message limits: plain Python."""

from enum import StrEnum

MAX_BODY = 4000
MAX_PAGE = 200


class Kind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


def next_receipt(current: int, claimed: int, last_seq: int) -> int:
    """A receipt only moves forward, and never past the last message that exists."""
    return max(current, min(claimed, last_seq))
