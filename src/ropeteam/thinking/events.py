"""What Thinking Together tells sockets (docs/protocol.md lists them from these classes)."""

from dataclasses import dataclass

from ropeteam.realtime.events import Event


@dataclass(frozen=True, kw_only=True)
class ThinkingChanged(Event):
    """A Thinking Together changed. `event` is `requested`, `widened`, `still_waiting`,
    `declined`, `accepted`, `cancelled`, `step`, `invited`, `facilitator`, `closed`,
    `emergency` or `emergency_acknowledged`; ids and states only, read the rest from
    `GET /api/v1/thinking/{id}`."""

    type = "thinking"

    event: str
    consultation: int
    state: str
    step: int | None
    helper: int | None
    seeker: int
    urgency: str
