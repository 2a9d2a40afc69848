"""Several workers running a visit's due steps at once, and the worker on the visit ending it
while they do: each step fires exactly once, in order, and nothing fires after the end.

Real threads with their own connections, committing for real: PostgreSQL only, like
tests/conversations/test_concurrency.py (which says why); CI runs it.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ropeteam.escalation import engine
from ropeteam.visits import actions
from ropeteam.visits.models import Escalation, Visit
from tests.api.conftest import audit_entries
from tests.conftest import World
from tests.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only (CI runs it): see tests/conversations/test_concurrency.py",
    ),
    pytest.mark.django_db(transaction=True),
]


def _held_visits(world: World, count: int) -> list[Visit]:
    visits = []
    for _ in range(count):
        visit = actions.start_visit(
            actor=world.sam,
            team=world.northside,
            location="Flat 3, Harbour Court",
            expected_end=timezone.now() + timedelta(minutes=30),
            rope_holder_id=world.jo.pk,
        )
        visits.append(actions.hold_rope(actor=world.jo, visit=visit))
    return visits


@pytest.mark.hazard("H1")
def test_five_workers_running_the_same_due_visit_steps_fire_each_once_in_order(
    world: World,
) -> None:
    visits = _held_visits(world, 4)
    late = timezone.now() + timedelta(hours=2)  # every step of every chain is due

    def worker() -> int:
        fired = 0
        while ran := engine.run_due(now=late, limit=2):  # small batches: they interleave
            fired += ran
        return fired

    assert sum(run_together([worker] * 5)) == 16
    rows = Escalation.objects.filter(visit__in=visits)
    assert Counter(rows.values_list("visit_id", "step")) == Counter(
        {(v.pk, step): 1 for v in visits for step in range(4)}
    )
    for visit in visits:
        steps = rows.filter(visit=visit).order_by("fired_at", "pk").values_list("step", flat=True)
        assert list(steps) == [0, 1, 2, 3]
    assert len(audit_entries("visits.escalated")) == 16


@pytest.mark.hazard("H1")
def test_ending_a_visit_while_workers_run_its_steps_stops_them_at_once(world: World) -> None:
    visits = _held_visits(world, 3)
    late = timezone.now() + timedelta(hours=2)

    def end_all() -> int:
        for visit in visits:
            actions.end_visit(actor=world.sam, visit=visit)
        return 0

    def worker() -> int:
        return engine.run_due(now=late, limit=1)  # one step at a time: a race at each

    run_together([end_all, worker, worker, worker])
    for visit in visits:
        steps = list(
            Escalation.objects.filter(visit=visit).order_by("step").values_list("step", flat=True)
        )
        assert steps == list(range(len(steps)))  # a prefix, each once
    assert engine.run_due(now=late + timedelta(days=1)) == 0
