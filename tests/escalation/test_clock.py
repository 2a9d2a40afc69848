"""Steps across the changes of the clocks in Europe/London, and a wall clock that jumps.

A ladder's delays are real time: a step due "an hour after" is due 3,600 seconds after,
whether the clocks went forward or back in between, and a server clock set back or forward
never fires a step twice or out of order.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ropeteam.escalation import engine
from ropeteam.escalation.flow import Rule
from ropeteam.escalation.models import Step
from tests.conftest import World
from tests.escalation.ladders import STEPS, drain, run

LONDON = ZoneInfo("Europe/London")
HALF_HOUR = timedelta(minutes=30)
EVERY_HALF_HOUR = Rule((HALF_HOUR, HALF_HOUR, HALF_HOUR), HALF_HOUR)


@pytest.fixture(autouse=True)
def _fresh_ladders() -> Iterator[None]:
    STEPS.reset()
    yield
    STEPS.reset()


def _open(world: World, start_at: datetime) -> None:
    STEPS.rules[world.northside.pk] = EVERY_HALF_HOUR
    engine.open_chain(ladder=STEPS.name, subject_id=world.northside.pk, round=1, start_at=start_at)


def _due() -> list[datetime]:
    return list(Step.objects.order_by("position").values_list("due_at", flat=True))


def _fire_each_when_due() -> list[datetime]:
    """Sweep a second before and at each step's instant; when each fired."""
    for due_at in _due()[:3]:
        assert run(due_at - timedelta(seconds=1)) == 0
        assert run(due_at) == 1
    return [s.fired_at for s in STEPS.fired]


@pytest.mark.hazard("H6")
def test_steps_keep_real_time_when_the_clocks_go_forward(world: World) -> None:
    # 00:15 GMT on 28 March 2027; at 01:00 UTC London jumps from 01:00 GMT to 02:00 BST.
    start = datetime(2027, 3, 28, 0, 15, tzinfo=LONDON)
    _open(world, start)
    expected = [datetime(2027, 3, 28, 0, 45, tzinfo=UTC) + i * HALF_HOUR for i in range(3)]
    assert _due()[:3] == expected
    assert _fire_each_when_due() == expected
    # On the wall: 00:45 GMT, then 02:15 and 02:45 BST (the hour from 01:00 never was).
    walls = [at.astimezone(LONDON).strftime("%H:%M %Z") for at in expected]
    assert walls == ["00:45 GMT", "02:15 BST", "02:45 BST"]


@pytest.mark.hazard("H6")
def test_steps_keep_real_time_when_the_clocks_go_back(world: World) -> None:
    # 01:15 BST (00:15 UTC) on 31 October 2027; at 01:00 UTC London goes back to 01:00 GMT,
    # so the wall shows 01:xx twice. Each step is still half an hour after the last.
    start = datetime(2027, 10, 31, 1, 15, tzinfo=LONDON)
    _open(world, start)
    expected = [datetime(2027, 10, 31, 0, 45, tzinfo=UTC) + i * HALF_HOUR for i in range(3)]
    assert _due()[:3] == expected
    assert _fire_each_when_due() == expected
    walls = [at.astimezone(LONDON).strftime("%H:%M %Z") for at in expected]
    assert walls == ["01:45 BST", "01:15 GMT", "01:45 GMT"]


@pytest.mark.hazard("H6")
def test_a_clock_set_back_fires_nothing_twice(world: World) -> None:
    start = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    _open(world, start)
    assert drain(start + timedelta(hours=1)) == 2  # 09:30 and 10:00
    assert drain(start) == 0  # the clock goes back an hour
    assert drain(start + HALF_HOUR) == 0
    assert drain(start + timedelta(hours=1)) == 0
    assert drain(start + timedelta(minutes=90)) == 1  # the third step, once, when due
    assert [s.position for s in STEPS.fired] == [0, 1, 2]


@pytest.mark.hazard("H6")
def test_a_clock_jumping_forward_fires_everything_due_once_in_order(world: World) -> None:
    start = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    _open(world, start)
    jumped = start + timedelta(days=1)
    assert drain(jumped) == 3
    assert [s.position for s in STEPS.fired] == [0, 1, 2]
    # One repeat, half an hour after the jump: not a burst for the day the clock skipped.
    pending = Step.objects.get(state="pending")
    assert (pending.position, pending.due_at) == (3, jumped + HALF_HOUR)
