"""What concerns tell sockets (docs/protocol.md lists them from these classes)."""

from dataclasses import dataclass

from ropeteam.realtime.events import Event


@dataclass(frozen=True, kw_only=True)
class ConcernChanged(Event):
    """A concern you may see changed. `event` is `raised`, `responded`, `stepped_up`,
    `challenged`, `resent`, `escalated`, `reminded`, `taken_on` or `resolved`; `level` is
    `probe`, `alert`, `challenge` or `escalate`. Read the rest from
    `GET /api/v1/concerns/{id}`."""

    type = "concern"

    event: str
    concern: int
    state: str
    level: str
    escalated: bool
