"""What notify tells sockets (docs/protocol.md lists them from these classes)."""

from dataclasses import dataclass

from ropeteam.realtime.events import Event


@dataclass(frozen=True, kw_only=True)
class UrgentUnread(Event):
    """An urgent message is still unread by `reader`, told to their rope holders and the duty
    lead. `event` is `unread`, `acknowledged` (`acknowledged_by` is checking on them) or
    `read`; never the message, its sender's words or its conversation."""

    type = "urgent"

    event: str
    check: int
    reader: int
    acknowledged_by: int | None


@dataclass(frozen=True, kw_only=True)
class RopeHolderAdded(Event):
    """You were made one of `worker`'s rope holders (`event` is `holder_added`)."""

    type = "rope"

    event: str = "holder_added"
    worker: int
