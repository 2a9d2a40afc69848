"""The field visit rules: the visit's life and its escalation chain, one by one and as a whole.

sam (1) is out on a visit; jo (2) holds the rope; priya (3) takes it over; kim (9) has
nothing to do with it.
"""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ropeteam.visits import flow
from ropeteam.visits.flow import Refused, State, Step

SAM, JO, PRIYA, KIM = 1, 2, 3, 9
T0 = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def out(minutes: int = 60) -> flow.Visit:
    visit = flow.start(worker=SAM, rope_holder=JO, now=T0, expected_end=T0 + minutes * MIN)
    return flow.hold(visit, by=JO)


def refused(code: str) -> pytest.RaisesExc[Refused]:
    return pytest.raises(Refused, match=f"^{code}$")


def steps(fired: list[flow.Fired]) -> list[Step]:
    return [f.step for f in fired]


def test_a_visit_needs_a_future_end_and_someone_else_on_the_rope() -> None:
    with refused("end_in_past"):
        flow.start(worker=SAM, rope_holder=JO, now=T0, expected_end=T0)
    with refused("own_rope"):
        flow.start(worker=SAM, rope_holder=SAM, now=T0, expected_end=T0 + MIN)
    with refused("chain_order"):
        flow.start(
            worker=SAM,
            rope_holder=JO,
            now=T0,
            expected_end=T0 + MIN,
            chain={Step(0): MIN * 0, Step(1): MIN * 20, Step(2): MIN * 10, Step(3): MIN * 30},
        )


def test_only_the_rope_holder_accepts_the_rope() -> None:
    visit = flow.start(worker=SAM, rope_holder=JO, now=T0, expected_end=T0 + 60 * MIN)
    assert visit.state == State.AWAITING_ROPE
    with refused("not_rope_holder"):
        flow.hold(visit, by=KIM)
    assert flow.hold(visit, by=JO).state == State.OUT


def test_the_chain_fires_each_step_at_its_time_in_order() -> None:
    visit = out()
    visit, fired = flow.tick(visit, now=T0 + 59 * MIN)
    assert fired == []
    visit, fired = flow.tick(visit, now=T0 + 60 * MIN)
    assert steps(fired) == [Step.PROMPT_WORKER]
    visit, fired = flow.tick(visit, now=T0 + 69 * MIN)
    assert fired == []
    visit, fired = flow.tick(visit, now=T0 + 70 * MIN)
    assert steps(fired) == [Step.ROPE_HOLDER]
    assert flow.next_due(visit) == T0 + 80 * MIN


def test_steps_that_fell_due_while_the_worker_was_down_all_fire_once_in_order() -> None:
    visit, fired = flow.tick(out(), now=T0 + 85 * MIN)
    assert steps(fired) == [Step.PROMPT_WORKER, Step.ROPE_HOLDER, Step.DUTY_LEAD]
    assert all(f.at == T0 + 85 * MIN for f in fired)
    visit, again = flow.tick(visit, now=T0 + 86 * MIN)
    assert again == []


def test_ending_the_visit_stops_the_chain() -> None:
    visit, _ = flow.tick(out(), now=T0 + 70 * MIN)
    visit = flow.end(visit, by=SAM, now=T0 + 71 * MIN)
    assert flow.tick(visit, now=T0 + 200 * MIN)[1] == []
    assert flow.next_due(visit) is None
    with refused("ended"):
        flow.check_in(visit, by=SAM, now=T0 + 72 * MIN)


def test_extending_starts_a_fresh_chain_from_the_new_end() -> None:
    visit, fired = flow.tick(out(), now=T0 + 60 * MIN)
    assert steps(fired) == [Step.PROMPT_WORKER]
    # Already past the end: 30 more minutes from now.
    visit = flow.extend(visit, by=SAM, now=T0 + 62 * MIN, minutes=30)
    assert visit.expected_end == T0 + 92 * MIN and visit.round == 2
    assert flow.tick(visit, now=T0 + 91 * MIN)[1] == []
    assert steps(flow.tick(visit, now=T0 + 92 * MIN)[1]) == [Step.PROMPT_WORKER]
    # Before the end: 30 more minutes after it.
    assert flow.extend(out(), by=SAM, now=T0, minutes=30).expected_end == T0 + 90 * MIN
    with refused("extension_range"):
        flow.extend(visit, by=SAM, now=T0, minutes=0)
    with refused("not_worker"):
        flow.extend(visit, by=JO, now=T0, minutes=10)


def test_a_check_in_is_recorded_without_moving_the_end() -> None:
    visit = flow.check_in(out(), by=SAM, now=T0 + 30 * MIN)
    assert (visit.last_check_in, visit.expected_end) == (T0 + 30 * MIN, T0 + 60 * MIN)


def test_an_alarm_is_raised_once_and_the_rope_can_be_handed_over() -> None:
    visit = flow.raise_alarm(out(), by=SAM, now=T0 + 5 * MIN)
    assert flow.raise_alarm(visit, by=SAM, now=T0 + 6 * MIN).alarm_at == T0 + 5 * MIN
    handed = flow.hand_over(visit, by=JO, to=PRIYA)
    assert (handed.rope_holder, handed.state) == (PRIYA, State.AWAITING_ROPE)
    with refused("not_rope_holder"):
        flow.hand_over(visit, by=KIM, to=PRIYA)
    with refused("own_rope"):
        flow.hand_over(visit, by=JO, to=SAM)


# --- as a whole -----------------------------------------------------------------------------

PEOPLE = st.sampled_from([SAM, JO, PRIYA, KIM])
EVENTS = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 45)),
    st.tuples(st.just("check_in"), PEOPLE),
    st.tuples(st.just("extend"), PEOPLE, st.integers(-5, 120)),
    st.tuples(st.just("end"), PEOPLE),
    st.tuples(st.just("alarm"), PEOPLE),
    st.tuples(st.just("hand_over"), PEOPLE, PEOPLE),
    st.tuples(st.just("hold"), PEOPLE),
)


@settings(max_examples=500)
@given(minutes=st.integers(1, 90), events=st.lists(EVENTS, max_size=40))
def test_no_step_fires_after_the_end_none_twice_none_skipped(
    minutes: int, events: list[tuple[object, ...]]
) -> None:
    visit = flow.start(worker=SAM, rope_holder=JO, now=T0, expected_end=T0 + minutes * MIN)
    now = T0
    for event in events:
        name, *args = event
        before = visit
        try:
            if name == "advance":
                now += int(args[0]) * MIN  # type: ignore[call-overload]
                visit, fired = flow.tick(visit, now=now)
                # None skipped: after a tick, nothing of this round is due and unfired.
                due = flow.next_due(visit)
                assert due is None or due > now
                assert all(f.at == now for f in fired)
            elif name == "check_in":
                visit = flow.check_in(visit, by=args[0], now=now)  # type: ignore[arg-type]
            elif name == "extend":
                visit = flow.extend(visit, by=args[0], now=now, minutes=args[1])  # type: ignore[arg-type]
            elif name == "end":
                visit = flow.end(visit, by=args[0], now=now)  # type: ignore[arg-type]
            elif name == "alarm":
                visit = flow.raise_alarm(visit, by=args[0], now=now)  # type: ignore[arg-type]
            elif name == "hand_over":
                visit = flow.hand_over(visit, by=args[0], to=args[1])  # type: ignore[arg-type]
            else:
                visit = flow.hold(visit, by=args[0])  # type: ignore[arg-type]
        except Refused:
            assert visit == before
            continue
        assert flow.is_consistent(visit), (event, visit)
        if before.state == State.ENDED:
            assert visit.fired == before.fired  # nothing fires after the end
