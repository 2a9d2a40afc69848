"""The engine on the real database: chains open, fire in order once each, repeat until a
human acknowledges, and stop when cancelled. Ladders that record what fired: ladders.py."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from ropeteam.escalation import engine, health
from ropeteam.escalation.flow import ChainState, Rule, StepState
from ropeteam.escalation.models import Chain, Step
from tests.conftest import World
from tests.escalation.ladders import BARE, MINUTE, STEPS, Crash, committing, drain, run

START = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_ladders() -> Iterator[None]:
    STEPS.reset()
    BARE.reset()
    yield
    STEPS.reset()
    BARE.reset()


def _open(subject_id: int, *, round_: int = 1, ladder: str = STEPS.name) -> Chain:
    first_due = engine.open_chain(
        ladder=ladder, subject_id=subject_id, round=round_, start_at=START
    )
    chain = Chain.objects.get(ladder=ladder, subject_id=subject_id, round=round_, state="open")
    # What it says is when its first step is due, as the step row says.
    assert first_due == chain.steps.order_by("position").values_list("due_at", flat=True)[0]
    return chain


def _fired(subject_id: int) -> list[int]:
    return [s.position for s in STEPS.fired if s.subject_id == subject_id]


def test_opening_a_chain_stores_each_step_due_at_its_instant(world: World) -> None:
    chain = _open(world.northside.pk)
    steps = list(chain.steps.order_by("position").values_list("due_at", "state", "is_repeat"))
    assert steps == [
        (START + MINUTE, "pending", False),
        (START + 3 * MINUTE, "pending", False),
        (START + 7 * MINUTE, "pending", False),
    ]
    assert (chain.state, chain.round, chain.repeat_seconds) == ("open", 1, 300)


@pytest.mark.hazard("H1")
def test_a_step_fires_once_when_due_and_not_before(world: World) -> None:
    _open(world.northside.pk)
    assert run(START + MINUTE - timedelta(seconds=1)) == 0
    assert run(START + MINUTE) == 1
    assert run(START + MINUTE) == 0
    assert _fired(world.northside.pk) == [0]
    step = Step.objects.get(position=0)
    assert (step.state, step.fired_at) == ("fired", START + MINUTE)


@pytest.mark.hazard("H1")
def test_overdue_steps_fire_in_position_order_in_one_sweep(world: World) -> None:
    _open(world.northside.pk)
    _open(world.riverside.pk)
    late = START + timedelta(hours=1)
    assert run(late) == 6
    assert _fired(world.northside.pk) == [0, 1, 2]
    assert _fired(world.riverside.pk) == [0, 1, 2]


@pytest.mark.hazard("H3")
def test_the_last_step_repeats_until_a_human_acknowledges(world: World) -> None:
    _open(world.northside.pk)
    drain(START + 7 * MINUTE)
    for repeat in range(3):
        now = START + 7 * MINUTE + (repeat + 1) * 5 * MINUTE
        assert run(now - timedelta(seconds=1)) == 0
        assert run(now) == 1
    assert _fired(world.northside.pk) == [0, 1, 2, 3, 4, 5]
    assert [s.is_repeat for s in STEPS.fired] == [False] * 3 + [True] * 3
    assert engine.acknowledge(ladder=STEPS.name, subject_id=world.northside.pk, by=world.priya)
    assert drain(START + timedelta(days=1)) == 0
    chain = Chain.objects.get()
    assert (chain.state, chain.acknowledged_by_id) == ("acknowledged", world.priya.pk)
    assert chain.acknowledged_at is not None
    assert not chain.steps.filter(state=StepState.PENDING).exists()


@pytest.mark.hazard("H3")
def test_a_chain_without_delays_alerts_at_its_repeat_interval(world: World) -> None:
    _open(world.northside.pk, ladder=BARE.name)
    assert run(START + 3 * MINUTE) == 1
    assert run(START + 6 * MINUTE) == 1
    assert [s.position for s in BARE.fired] == [0, 1]


@pytest.mark.hazard("H1")
def test_a_cancelled_chain_fires_nothing(world: World) -> None:
    _open(world.northside.pk)
    run(START + MINUTE)
    assert engine.cancel(ladder=STEPS.name, subject_id=world.northside.pk)
    assert not engine.cancel(ladder=STEPS.name, subject_id=world.northside.pk)
    assert drain(START + timedelta(days=1)) == 0
    assert _fired(world.northside.pk) == [0]
    chain = Chain.objects.get()
    assert chain.state == ChainState.CANCELLED and chain.cancelled_at is not None
    states = list(chain.steps.order_by("position").values_list("state", flat=True))
    assert states == ["fired", "cancelled", "cancelled"]


def test_a_new_round_ends_the_open_one(world: World) -> None:
    first = _open(world.northside.pk)
    second = _open(world.northside.pk, round_=2)
    first.refresh_from_db()
    assert (first.state, second.state) == ("cancelled", "open")
    drain(START + 2 * MINUTE)
    assert [(s.round, s.position) for s in STEPS.fired] == [(2, 0)]


@pytest.mark.hazard("H1")
def test_a_failing_handler_is_retried_later_without_holding_up_other_chains(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    _open(world.northside.pk)
    _open(world.riverside.pk)
    STEPS.failing.add((world.northside.pk, 0))
    late = START + 4 * MINUTE
    assert run(late) == 2  # riverside's two due steps; northside's first failed
    assert "failed; it will be tried again" in caplog.text
    assert _fired(world.northside.pk) == []  # and its second waits for its first
    failed = Step.objects.get(chain__subject_id=world.northside.pk, position=0)
    assert (failed.state, failed.attempts) == ("pending", 1)
    assert failed.retry_at == late + timedelta(seconds=2)
    STEPS.failing.clear()
    assert run(late + timedelta(seconds=1)) == 0  # not before its pause is over
    assert run(late + timedelta(seconds=2)) == 2
    assert _fired(world.northside.pk) == [0, 1]


@pytest.mark.hazard("H1")
def test_a_worker_that_dies_mid_sweep_leaves_its_steps_to_fire_once_after(world: World) -> None:
    _open(world.northside.pk)
    late = START + timedelta(hours=1)
    STEPS.crash_after = 2  # dies in the third handler, before the sweep commits
    with pytest.raises(Crash), committing():
        engine.run_due(now=late)
    assert STEPS.fired == []
    assert not Step.objects.filter(state=StepState.FIRED).exists()
    STEPS.crash_after = None
    assert drain(late) == 3
    assert _fired(world.northside.pk) == [0, 1, 2]


def test_a_sweep_fires_at_most_its_limit_and_the_next_carries_on(world: World) -> None:
    _open(world.northside.pk)
    _open(world.riverside.pk)
    late = START + timedelta(hours=1)
    assert run(late, limit=4) == 4
    assert run(late, limit=4) == 2
    assert sorted(_fired(world.northside.pk)) == [0, 1, 2]


def test_a_handler_that_ends_its_own_chain_gets_no_repeat(world: World) -> None:
    STEPS.rules[world.northside.pk] = Rule((MINUTE,), MINUTE)
    _open(world.northside.pk)

    class Ending(type(STEPS)):  # type: ignore[misc]  # the recording ladder, ending itself
        def fire(self, step: engine.FiredStep) -> None:
            super().fire(step)
            engine.acknowledge(ladder=step.ladder, subject_id=step.subject_id, by=world.priya)

    ending = Ending(STEPS.name, STEPS.default)
    engine._ladders[STEPS.name] = ending
    try:
        assert run(START + MINUTE) == 1
    finally:
        engine._ladders[STEPS.name] = STEPS
    assert list(Step.objects.values_list("position", "state")) == [(0, "fired")]


def test_a_step_of_a_ladder_nobody_registered_stays_pending_and_is_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    chain = _open(world.northside.pk)
    Chain.objects.filter(pk=chain.pk).update(ladder="gone")
    assert run(START + MINUTE) == 0
    assert "no ladder named 'gone'" in caplog.text
    assert Step.objects.filter(state=StepState.PENDING).count() == 3


def test_readyz_counts_the_oldest_overdue_step(world: World) -> None:
    assert health._sources["steps"] is engine.oldest_due
    assert engine.oldest_due(START) is None
    _open(world.northside.pk)
    assert engine.oldest_due(START + timedelta(hours=1)) == START + MINUTE
    drain(START + timedelta(hours=1))
    assert engine.oldest_due(START + timedelta(hours=1)) is None


def test_an_unknown_ladder_is_refused_when_opening(world: World) -> None:
    with pytest.raises(LookupError, match="no ladder named 'nope'"):
        engine.open_chain(ladder="nope", subject_id=1, round=1, start_at=START)


def test_opening_commits_with_the_action_that_opened_it_or_not_at_all(world: World) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _open(world.northside.pk)
        raise RuntimeError("the action failed after opening its chain")
    assert not Chain.objects.exists()
