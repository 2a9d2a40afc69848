"""Several workers sweeping the same due steps at once, and an acknowledgement racing them:
each step fires exactly once, in order, and nothing fires after its chain ended.

Real threads with their own connections, committing for real: PostgreSQL only, like
tests/conversations/test_concurrency.py (which says why); CI runs it.
"""

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ropeteam.escalation import engine
from ropeteam.escalation.flow import Rule
from ropeteam.escalation.models import Chain, Step
from ropeteam.people import actions as people
from ropeteam.people.models import Team, User
from tests.conftest import World
from tests.escalation.ladders import MINUTE, STEPS
from tests.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only (CI runs it): see tests/conversations/test_concurrency.py",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _fresh_ladders() -> Iterator[None]:
    STEPS.reset()
    yield
    STEPS.reset()


def _overdue_chains(world: World, count: int) -> list[int]:
    """`count` teams, each with a chain whose three steps are all due."""
    subjects = []
    for i in range(count):
        team = people.create_team(
            actor=world.admin, organisation=world.organisation, name=f"Team {i}"
        )
        STEPS.rules[team.pk] = Rule((MINUTE, MINUTE, MINUTE), 10 * MINUTE)
        engine.open_chain(
            ladder=STEPS.name,
            subject_id=team.pk,
            round=1,
            start_at=timezone.now() - timedelta(hours=1),
        )
        subjects.append(team.pk)
    return subjects


@pytest.mark.hazard("H1")
def test_five_workers_sweeping_at_once_fire_each_step_exactly_once_in_order(
    world: World,
) -> None:
    subjects = _overdue_chains(world, 12)

    def worker() -> int:
        fired = 0
        while ran := engine.run_due(limit=5):  # small batches, so the workers interleave
            fired += ran
        return fired

    results = run_together([worker] * 5)
    assert sum(results) == 36
    told = Counter((s.subject_id, s.position) for s in STEPS.fired)
    assert told == Counter({(subject, p): 1 for subject in subjects for p in range(3)})
    for subject in subjects:
        assert [s.position for s in STEPS.fired if s.subject_id == subject] == [0, 1, 2]
    assert Step.objects.filter(state="fired").count() == 36
    assert Step.objects.filter(state="pending", is_repeat=True).count() == 12  # one repeat each


@pytest.mark.hazard("H1")
def test_an_acknowledgement_racing_the_workers_stops_the_chain_at_once(world: World) -> None:
    subjects = _overdue_chains(world, 6)
    lead = User.objects.get(pk=world.priya.pk)

    def acknowledge_all() -> int:
        for subject in subjects:
            with transaction.atomic():
                Team.objects.select_for_update().get(pk=subject)  # as a domain action does
                engine.acknowledge(ladder=STEPS.name, subject_id=subject, by=lead)
        return 0

    def worker() -> int:
        return engine.run_due(limit=1)  # one step at a time: the race is at every step

    run_together([acknowledge_all, worker, worker, worker])
    for subject in subjects:
        chain = Chain.objects.get(subject_id=subject)
        assert chain.state == "acknowledged"
        fired = [s.position for s in STEPS.fired if s.subject_id == subject]
        assert fired == list(range(len(fired)))  # a prefix, each once
        stored = Step.objects.filter(chain=chain, state="fired").count()
        assert stored == len(fired)
        assert not Step.objects.filter(chain=chain, state="pending").exists()
        # Nothing fires after it ended, however late the workers come back.
    assert engine.run_due(now=timezone.now() + timedelta(days=1)) == 0


@pytest.mark.hazard("H1")
def test_a_worker_skips_a_subject_someone_is_changing_instead_of_waiting(world: World) -> None:
    (subject,) = _overdue_chains(world, 1)
    holding, release = threading.Event(), threading.Event()

    def action() -> int:
        with transaction.atomic():
            Team.objects.select_for_update().get(pk=subject)
            holding.set()
            release.wait(timeout=30)
        return 0

    def worker() -> int:
        holding.wait(timeout=30)
        started = time.monotonic()
        fired = engine.run_due()
        assert time.monotonic() - started < 2  # it did not queue behind the action
        release.set()
        return fired

    assert run_together([action, worker]) == [0, 0]
    assert STEPS.fired == []
    assert engine.run_due() == 3  # the next sweep, once the action committed
