"""The rules of an escalation chain as plain Python: which step is due when, and how it ends.

A chain is one round of a ladder for one subject (a request for help, a concern, a visit):
steps in order, each due a delay after the one before. The last step repeats every
`repeat_every` until a human acknowledges the chain, so a chain never ends in silence; the
event that makes its steps moot cancels it.

Every instant is UTC before anything is added to it. Adding a timedelta to an aware datetime
in a zone such as Europe/London is wall-clock arithmetic in Python: across a DST change "an
hour later" would then be zero or two hours of real time. A step due "3 minutes after" is
due 180 real seconds after, whatever the clocks on the wall say.

The engine (`engine.py`) keeps these rules in the database; `Chain` here is the same rules
on values, so each can be tested on its own and the engine checked against it.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum


class ChainState(StrEnum):
    OPEN = "open"  # steps may still fire
    ACKNOWLEDGED = "acknowledged"  # a human took it: nothing more fires
    CANCELLED = "cancelled"  # the event that makes it moot happened (answered, withdrawn...)


class StepState(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Rule:
    """A ladder's steps for one subject: the wait before each, then the repeat interval."""

    delays: tuple[timedelta, ...]
    repeat_every: timedelta

    def __post_init__(self) -> None:
        if self.repeat_every <= timedelta(0):
            raise ValueError("a chain's last step must repeat after a positive interval")
        if any(delay < timedelta(0) for delay in self.delays):
            raise ValueError("a step cannot be due before the one it follows")


def utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is refused, since its instant is unknown."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime names no instant: give its time zone")
    return moment.astimezone(UTC)


def planned(rule: Rule, start_at: datetime) -> list[datetime]:
    """When each step of a chain opened at `start_at` is due, in order.

    A rule without delays still has one step, at the repeat interval: no chain is silent.
    """
    due, at = [], utc(start_at)
    for delay in rule.delays or (rule.repeat_every,):
        at += delay
        due.append(at)
    return due


def repeat_at(repeat_every: timedelta, fired_at: datetime) -> datetime:
    """When the repeat of a step fired at `fired_at` is due.

    From when it fired, not from when it was due: a worker back from a long stop fires one
    overdue step, not a burst of every repeat it missed.
    """
    return utc(fired_at) + repeat_every


@dataclass(frozen=True)
class Step:
    position: int
    due_at: datetime
    state: StepState = StepState.PENDING
    fired_at: datetime | None = None
    is_repeat: bool = False


@dataclass(frozen=True)
class Chain:
    repeat_every: timedelta
    steps: tuple[Step, ...]
    state: ChainState = ChainState.OPEN


def open_chain(rule: Rule, start_at: datetime) -> Chain:
    steps = tuple(Step(position=i, due_at=at) for i, at in enumerate(planned(rule, start_at)))
    return Chain(repeat_every=rule.repeat_every, steps=steps)


def next_step(chain: Chain) -> Step | None:
    """The step that fires next: the first pending one (never one after it)."""
    return next((s for s in chain.steps if s.state == StepState.PENDING), None)


def due(chain: Chain, now: datetime) -> Step | None:
    """The step to fire at `now`, if any: only an open chain fires, and only in order."""
    step = next_step(chain)
    if chain.state != ChainState.OPEN or step is None or step.due_at > utc(now):
        return None
    return step


def fire(chain: Chain, now: datetime) -> tuple[Chain, Step]:
    """Fire the due step; the last step of an open chain brings its repeat."""
    step = due(chain, now)
    if step is None:
        raise ValueError("nothing is due")
    fired = replace(step, state=StepState.FIRED, fired_at=utc(now))
    steps = tuple(fired if s.position == step.position else s for s in chain.steps)
    if steps[-1].position == step.position:
        repeat = Step(
            position=step.position + 1,
            due_at=repeat_at(chain.repeat_every, now),
            is_repeat=True,
        )
        steps = (*steps, repeat)
    return replace(chain, steps=steps), fired


def end(chain: Chain, state: ChainState) -> Chain:
    """Acknowledge or cancel: what has not fired never will. An ended chain stays ended."""
    if state == ChainState.OPEN:
        raise ValueError("a chain ends acknowledged or cancelled")
    if chain.state != ChainState.OPEN:
        return chain
    steps = tuple(
        replace(s, state=StepState.CANCELLED) if s.state == StepState.PENDING else s
        for s in chain.steps
    )
    return replace(chain, state=state, steps=steps)
