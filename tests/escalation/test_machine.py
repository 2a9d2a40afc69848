"""Ladders driven at random, checked against the rules in flow.py.

Hypothesis opens chains on two ladders for three subjects, moves the clock forward and back,
sweeps with small batches, kills the worker mid-sweep (its transaction is lost), and
acknowledges or cancels chains. After every move the database must hold exactly what the
rules say, so: no step fires twice, none is skipped, none fires after its chain ended, and
every chain that nobody acknowledged still has a step to come.
"""

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from ropeteam.escalation import engine, flow
from ropeteam.escalation.flow import ChainState, Rule
from ropeteam.escalation.models import Chain, Step
from ropeteam.people import actions as people
from ropeteam.people.models import User
from tests.conftest import World
from tests.escalation.ladders import BARE, STEPS, Crash, Recording, committing, drain

START = datetime(2027, 10, 30, 23, 0, tzinfo=UTC)  # the night the clocks go back
LADDERS = {STEPS.name: STEPS, BARE.name: BARE}

seconds = st.integers(min_value=0, max_value=40 * 60)
rules = st.builds(
    Rule,
    st.lists(seconds.map(lambda s: timedelta(seconds=s)), max_size=3).map(tuple),
    st.integers(min_value=60, max_value=30 * 60).map(lambda s: timedelta(seconds=s)),
)

Key = tuple[str, int]  # ladder, subject


class Ladders(RuleBasedStateMachine):
    subjects: ClassVar[list[int]] = []
    human: ClassVar[User | None] = None

    def __init__(self) -> None:
        super().__init__()
        # Each run starts from the same database and leaves nothing behind.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        for ladder in LADDERS.values():
            ladder.reset()
        self.now = START
        self.chains: dict[tuple[str, int, int], flow.Chain] = {}  # every round, as the rules say
        self.rounds: dict[Key, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        for ladder in LADDERS.values():
            ladder.reset()

    def _open_one(self, key: Key) -> tuple[str, int, int] | None:
        round_ = self.rounds.get(key)
        return (*key, round_) if round_ is not None else None

    @rule(
        ladder=st.sampled_from(sorted(LADDERS)),
        subject=st.integers(min_value=0, max_value=2),
        own=st.none() | rules,
        ago=st.integers(min_value=0, max_value=3600),
    )
    def open_chain(self, ladder: str, subject: int, own: Rule | None, ago: int) -> None:
        recording: Recording = LADDERS[ladder]
        subject_id = self.subjects[subject]
        if own is not None:
            recording.rules[subject_id] = own
        start_at = self.now - timedelta(seconds=ago)  # a chain may start already overdue
        key = (ladder, subject_id)
        self._end(key, ChainState.CANCELLED)  # a new round supersedes the open one
        round_ = self.rounds.get(key, 0) + 1
        engine.open_chain(ladder=ladder, subject_id=subject_id, round=round_, start_at=start_at)
        self.rounds[key] = round_
        self.chains[(*key, round_)] = flow.open_chain(recording.rule(subject_id), start_at)

    def _end(self, key: Key, state: ChainState) -> None:
        current = self._open_one(key)
        if current is not None:
            self.chains[current] = flow.end(self.chains[current], state)

    @rule(forward=seconds)
    def clock_forward(self, forward: int) -> None:
        self.now += timedelta(seconds=forward)

    @rule(back=st.integers(min_value=1, max_value=2 * 3600))
    def clock_back(self, back: int) -> None:
        self.now -= timedelta(seconds=back)

    def _fire_everything_due(self) -> None:
        for key in self.chains:
            while flow.due(self.chains[key], self.now) is not None:
                self.chains[key], _ = flow.fire(self.chains[key], self.now)

    @rule(limit=st.integers(min_value=1, max_value=4))
    def sweep(self, limit: int) -> None:
        drain(self.now, limit=limit)
        self._fire_everything_due()

    @rule(after=st.integers(min_value=0, max_value=3))
    def worker_dies_mid_sweep(self, after: int) -> None:
        for ladder in LADDERS.values():
            ladder.crash_after = after
        try:
            with committing():
                engine.run_due(now=self.now)
        except Crash:
            pass  # its transaction never committed: nothing it did happened
        else:  # fewer steps were due than it lived for
            self._fire_everything_due()
        finally:
            for ladder in LADDERS.values():
                ladder.crash_after = None

    @precondition(lambda self: bool(self.rounds))
    @rule(data=st.data(), acknowledged=st.booleans())
    def end_chain(self, data: st.DataObject, acknowledged: bool) -> None:
        ladder, subject_id = data.draw(st.sampled_from(sorted(self.rounds)))
        if acknowledged:
            assert self.human is not None
            engine.acknowledge(ladder=ladder, subject_id=subject_id, by=self.human)
            self._end((ladder, subject_id), ChainState.ACKNOWLEDGED)
        else:
            engine.cancel(ladder=ladder, subject_id=subject_id)
            self._end((ladder, subject_id), ChainState.CANCELLED)

    @invariant()
    def the_database_holds_what_the_rules_say(self) -> None:
        stored = {(c.ladder, c.subject_id, c.round): c for c in Chain.objects.all()}
        assert set(stored) == set(self.chains)
        for key, chain in self.chains.items():
            assert stored[key].state == chain.state, key
            steps = Step.objects.filter(chain=stored[key]).order_by("position")
            assert [(s.position, s.due_at, s.state, s.fired_at, s.is_repeat) for s in steps] == [
                (s.position, s.due_at, s.state, s.fired_at, s.is_repeat) for s in chain.steps
            ]

    @invariant()
    def each_step_fired_once_in_order_and_only_while_its_chain_was_open(self) -> None:
        for (ladder, subject_id, round_), chain in self.chains.items():
            told = [
                s.position
                for s in LADDERS[ladder].fired
                if (s.subject_id, s.round) == (subject_id, round_)
            ]
            fired = [s.position for s in chain.steps if s.state == flow.StepState.FIRED]
            assert told == fired == list(range(len(fired)))

    @invariant()
    def every_chain_nobody_acknowledged_still_has_a_step_to_come(self) -> None:
        for chain in self.chains.values():
            if chain.state == ChainState.OPEN:
                assert flow.next_step(chain) is not None


@pytest.mark.hazard("H1")
@pytest.mark.hazard("H3")
@pytest.mark.hazard("H6")
def test_ladders_fire_each_step_once_in_order_until_a_human_ends_them(world: World) -> None:
    extra = people.create_team(actor=world.admin, organisation=world.organisation, name="Third")
    Ladders.subjects = [world.northside.pk, world.riverside.pk, extra.pk]
    Ladders.human = world.priya
    run_state_machine_as_test(
        Ladders,
        settings=settings(max_examples=40, stateful_step_count=30, deadline=None),
    )
