"""Field visits as plain Python: the visit's life and its escalation chain.

Someone must know a worker went, when she should be out, and act when she is not. A visit
has an expected end; from it runs an escalation chain (prompt the worker, alert the rope
holder, the duty lead, then the team lead and the organisation's out-of-hours contact). Each
step fires once, in order, never after the visit ended; extending the visit starts a fresh
chain from the new end (round 2, 3, ...). An alarm alerts the rope holder and the duty lead
together, at once. `tick` is these rules on values; in the database the escalation engine
fires the steps (ladder `visits.chain`), so a worker that was down fires everything that
fell due while it was down, in order, once, when it comes back. There the top step repeats
until someone acknowledges (`escalation.flow` models that part).
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from itertools import pairwise


class State(StrEnum):
    AWAITING_ROPE = "awaiting_rope"  # the rope holder has not accepted yet
    OUT = "out"  # on the visit, the rope held
    ENDED = "ended"  # safe, done


class Step(IntEnum):
    PROMPT_WORKER = 0  # at the expected end: "are you OK?"
    ROPE_HOLDER = 1  # must acknowledge
    DUTY_LEAD = 2
    TEAM_LEAD = 3  # and the organisation's out-of-hours contact


# Offsets from the expected end; a team may set its own.
DEFAULT_CHAIN: dict[Step, timedelta] = {
    Step.PROMPT_WORKER: timedelta(0),
    Step.ROPE_HOLDER: timedelta(minutes=10),
    Step.DUTY_LEAD: timedelta(minutes=20),
    Step.TEAM_LEAD: timedelta(minutes=30),
}

MAX_EXTENSION = timedelta(hours=8)


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Fired:
    round: int
    step: Step
    at: datetime  # when it fired (not when it was due: a late worker fires late)
    due: datetime


@dataclass(frozen=True)
class Visit:
    worker: int
    rope_holder: int | None
    started_at: datetime
    expected_end: datetime
    chain: tuple[timedelta, ...] = tuple(DEFAULT_CHAIN.values())
    state: State = State.AWAITING_ROPE
    round: int = 1
    fired: tuple[Fired, ...] = ()
    alarm_at: datetime | None = None
    last_check_in: datetime | None = None
    ended_at: datetime | None = None

    def due(self, step: Step) -> datetime:
        return self.expected_end + self.chain[step]

    def fired_this_round(self) -> set[Step]:
        return {f.step for f in self.fired if f.round == self.round}


def start(
    *,
    worker: int,
    rope_holder: int | None,
    now: datetime,
    expected_end: datetime,
    chain: dict[Step, timedelta] | None = None,
) -> Visit:
    if expected_end <= now:
        raise Refused("end_in_past")
    if rope_holder == worker:
        raise Refused("own_rope")
    offsets = chain or DEFAULT_CHAIN
    ordered = tuple(offsets[s] for s in Step)
    if any(b <= a for a, b in pairwise(ordered)) or ordered[0] < timedelta(0):
        raise Refused("chain_order")
    return Visit(
        worker=worker,
        rope_holder=rope_holder,
        started_at=now,
        expected_end=expected_end,
        chain=ordered,
    )


def hold(visit: Visit, *, by: int) -> Visit:
    """The rope holder accepts: the worker is out with the rope held."""
    if visit.state != State.AWAITING_ROPE:
        raise Refused("not_awaiting")
    if by != visit.rope_holder:
        raise Refused("not_rope_holder")
    return replace(visit, state=State.OUT)


def hand_over(visit: Visit, *, by: int, to: int) -> Visit:
    """The rope passes to another colleague, who must accept it (their shift ends, say)."""
    if visit.state == State.ENDED:
        raise Refused("ended")
    if by not in (visit.rope_holder, visit.worker):
        raise Refused("not_rope_holder")
    if to in (visit.worker, visit.rope_holder):
        raise Refused("own_rope")
    return replace(visit, rope_holder=to, state=State.AWAITING_ROPE)


def check_in(visit: Visit, *, by: int, now: datetime) -> Visit:
    """ "I'm OK": recorded, and shown to the rope holder (it does not move the end)."""
    _by_worker(visit, by)
    return replace(visit, last_check_in=now)


def extend(visit: Visit, *, by: int, now: datetime, minutes: int) -> Visit:
    """A new expected end: the chain starts again from it (a new round)."""
    _by_worker(visit, by)
    if not 1 <= minutes <= MAX_EXTENSION.total_seconds() // 60:
        raise Refused("extension_range")
    return replace(
        visit,
        expected_end=max(visit.expected_end, now) + timedelta(minutes=minutes),
        round=visit.round + 1,
        last_check_in=now,
    )


def end(visit: Visit, *, by: int, now: datetime) -> Visit:
    """Safe, done: nothing more fires."""
    _by_worker(visit, by)
    return replace(visit, state=State.ENDED, ended_at=now)


def raise_alarm(visit: Visit, *, by: int, now: datetime) -> Visit:
    _by_worker(visit, by)
    if visit.alarm_at is not None:
        return visit  # pressing it again is the same alarm
    return replace(visit, alarm_at=now)


def _by_worker(visit: Visit, by: int) -> None:
    if visit.state == State.ENDED:
        raise Refused("ended")
    if by != visit.worker:
        raise Refused("not_worker")


def tick(visit: Visit, *, now: datetime) -> tuple[Visit, list[Fired]]:
    """Fire every step of this round that is due and has not fired, in order."""
    if visit.state == State.ENDED:
        return visit, []
    done = visit.fired_this_round()
    fired = [
        Fired(visit.round, step, now, visit.due(step))
        for step in Step
        if step not in done and visit.due(step) <= now
    ]
    return replace(visit, fired=visit.fired + tuple(fired)), fired


def next_due(visit: Visit) -> datetime | None:
    """When the next step of this round falls due, or None when none is left."""
    if visit.state == State.ENDED:
        return None
    done = visit.fired_this_round()
    pending = [visit.due(s) for s in Step if s not in done]
    return min(pending) if pending else None


def is_consistent(visit: Visit) -> bool:
    """What every visit holds, whatever happened to it."""
    per_round: dict[int, list[Fired]] = {}
    for fired in visit.fired:
        per_round.setdefault(fired.round, []).append(fired)
    for firings in per_round.values():
        steps = [f.step for f in firings]
        # Once each, in order, none skipped (a step fires only with all before it).
        if steps != list(Step)[: len(steps)]:
            return False
    return all(
        (
            visit.ended_at is None or all(f.at <= visit.ended_at for f in visit.fired),
            all(f.due <= f.at for f in visit.fired),
            (visit.state == State.ENDED) == (visit.ended_at is not None),
            visit.rope_holder != visit.worker,
        )
    )


# The escalation engine's ladders of a visit (ropeteam.escalation), by name.
CHAIN = "visits.chain"  # the ladder of a visit's escalation steps
ROPE = "visits.rope"  # the ladder of asking rope holders in turn
ALARM_CHAIN = "visits.alarm"  # the ladder of an alarm alerting again until someone has it
