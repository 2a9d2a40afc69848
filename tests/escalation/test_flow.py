"""The rules of a chain on values: when each step is due, order, repeats, and how it ends."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ropeteam.escalation import flow
from ropeteam.escalation.flow import ChainState, Rule, StepState

LONDON = ZoneInfo("Europe/London")
MINUTE = timedelta(minutes=1)
START = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
RULE = Rule((MINUTE, 2 * MINUTE), 5 * MINUTE)


def test_steps_are_due_each_delay_after_the_one_before() -> None:
    assert flow.planned(RULE, START) == [START + MINUTE, START + 3 * MINUTE]


def test_a_rule_without_delays_still_has_a_step_at_the_repeat_interval() -> None:
    assert flow.planned(Rule((), 5 * MINUTE), START) == [START + 5 * MINUTE]


def test_a_rule_that_never_repeats_or_goes_back_in_time_is_refused() -> None:
    with pytest.raises(ValueError, match="repeat"):
        Rule((MINUTE,), timedelta(0))
    with pytest.raises(ValueError, match="before"):
        Rule((-MINUTE,), MINUTE)


def test_a_naive_datetime_is_refused_since_it_names_no_instant() -> None:
    with pytest.raises(ValueError, match="naive"):
        flow.planned(RULE, datetime(2027, 1, 5, 9, 0))  # noqa: DTZ001  the point of the test


@pytest.mark.hazard("H6")
def test_two_hours_after_half_past_midnight_on_the_spring_change_are_two_real_hours() -> None:
    # 00:30 GMT; at 01:00 UTC the clocks go forward to 02:00 BST. Python adds a timedelta to
    # a London time on the wall (00:30 + 2 h = 02:30 BST = 01:30 UTC): one real hour. The
    # flow works in UTC, so the step is due at 02:30 UTC (03:30 BST).
    start = datetime(2027, 3, 28, 0, 30, tzinfo=LONDON)
    assert (start + timedelta(hours=2)).astimezone(UTC) - start == timedelta(hours=1)
    due = flow.planned(Rule((timedelta(hours=2),), MINUTE), start)
    assert due == [datetime(2027, 3, 28, 2, 30, tzinfo=UTC)]


@pytest.mark.hazard("H6")
def test_an_hour_after_half_past_one_on_the_autumn_change_is_one_real_hour() -> None:
    # 01:30 BST is 00:30 UTC; at 01:00 UTC the clocks go back to 01:00 GMT. Python adds a
    # timedelta to a London time on the wall (01:30 + 1 h = 02:30 GMT = 02:30 UTC): two real
    # hours. The flow works in UTC, so the step is due at 01:30 UTC (01:30 GMT).
    start = datetime(2027, 10, 31, 1, 30, tzinfo=LONDON)
    assert start + timedelta(hours=1) - start == timedelta(hours=1)  # Python's claim...
    assert (start + timedelta(hours=1)).astimezone(UTC) - start.astimezone(UTC) == timedelta(
        hours=2
    )  # ...and the real gap
    due = flow.planned(Rule((timedelta(hours=1),), MINUTE), start)
    assert due == [datetime(2027, 10, 31, 1, 30, tzinfo=UTC)]


def test_nothing_is_due_before_its_time_and_steps_fire_in_order() -> None:
    chain = flow.open_chain(RULE, START)
    assert flow.due(chain, START) is None
    late = START + 10 * MINUTE
    chain, first = flow.fire(chain, late)
    chain, second = flow.fire(chain, late)
    assert (first.position, second.position) == (0, 1)
    assert first.fired_at == second.fired_at == late


def test_the_last_step_repeats_from_when_it_fired_not_in_a_burst() -> None:
    chain = flow.open_chain(RULE, START)
    late = START + timedelta(hours=2)
    chain, _ = flow.fire(chain, late)
    chain, _ = flow.fire(chain, late)
    repeat = flow.next_step(chain)
    assert repeat is not None and repeat.is_repeat
    assert repeat.position == 2 and repeat.due_at == late + 5 * MINUTE
    assert flow.due(chain, late) is None


@pytest.mark.hazard("H3")
def test_acknowledging_stops_every_pending_step_and_an_ended_chain_stays_ended() -> None:
    chain = flow.end(flow.open_chain(RULE, START), ChainState.ACKNOWLEDGED)
    assert {s.state for s in chain.steps} == {StepState.CANCELLED}
    assert flow.due(chain, START + timedelta(days=1)) is None
    assert flow.end(chain, ChainState.CANCELLED).state == ChainState.ACKNOWLEDGED
    with pytest.raises(ValueError, match="nothing is due"):
        flow.fire(chain, START + timedelta(days=1))


@pytest.mark.hazard("H3")
@given(
    delays=st.lists(st.integers(0, 3600), max_size=4),
    repeat=st.integers(1, 3600),
    moments=st.lists(st.integers(0, 20_000), min_size=1, max_size=30),
)
def test_an_open_chain_always_has_a_step_to_come_and_fires_each_position_once(
    delays: list[int], repeat: int, moments: list[int]
) -> None:
    rule = Rule(tuple(timedelta(seconds=d) for d in delays), timedelta(seconds=repeat))
    chain, fired = flow.open_chain(rule, START), []
    for seconds in moments:  # the clock may go back as well as forward
        now = START + timedelta(seconds=seconds)
        while flow.due(chain, now) is not None:
            chain, step = flow.fire(chain, now)
            fired.append(step.position)
        upcoming = flow.next_step(chain)
        assert upcoming is not None and upcoming.due_at > now
    assert fired == list(range(len(fired)))
