"""The shape of a demo concern's story: what was raised, then each turn after it."""

from dataclasses import dataclass

from ropeteam.concerns.actions import Statement


@dataclass(frozen=True)
class Step:
    """One turn after the concern was raised, `hours` after it."""

    hours: float
    kind: str  # answered, stepped_up, challenged, not_answered, ended
    said: Statement | None = None
    choice: str = ""  # the response, or the resolution
    text: str = ""


def answered(hours: float, response: str, text: str) -> Step:
    return Step(hours, "answered", choice=response, text=text)


def stepped_up(hours: float, **said: str) -> Step:
    return Step(hours, "stepped_up", said=Statement(**said))


def challenged(hours: float, **said: str) -> Step:
    return Step(hours, "challenged", said=Statement(**said))


def not_answered(hours: float) -> Step:
    """Its time to answer passed: the worker re-sends it, or the second time escalates it."""
    return Step(hours, "not_answered")


def ended(hours: float, resolution: str, text: str = "") -> Step:
    return Step(hours, "ended", choice=resolution, text=text)


@dataclass(frozen=True)
class Story:
    """A concern from its raise to its end: who raised it with whom, at which level, when."""

    team: str
    raiser: str
    colleague: str
    level: str
    days_ago: int
    said: Statement
    steps: tuple[Step, ...]
    case: str | None = None
