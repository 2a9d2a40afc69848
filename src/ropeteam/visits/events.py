"""What field visits tell sockets (docs/protocol.md lists them from these classes)."""

from dataclasses import dataclass

from ropeteam.realtime.events import Event


@dataclass(frozen=True, kw_only=True)
class VisitChanged(Event):
    """A field visit changed, told to the worker, their rope holder, whoever was alerted and
    the team's leads. `event` is `checked_in`, `extended`, `ended`, `rope_asked`, `rope_held`,
    `rope_unheld`, `alarm`, `step_0` to `step_3` (the worker prompted, then the rope holder,
    the duty lead, the team leads alerted), `step_repeated`, `alarm_repeated`,
    `acknowledged` or `resolved`; ids and times only, never the location."""

    type = "visit"

    event: str
    visit: int
    worker: int
    state: str
    expected_end: str
    alarm: bool
