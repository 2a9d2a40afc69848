"""Whether deadlines are running is visible: /readyz, the leads' banner, `ropeteam check`.

A worker that died or hangs stops writing its heartbeat; work nobody runs grows overdue.
Both must show where someone will act on them, not only in a log.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.escalation import health
from ropeteam.notify import tasks
from ropeteam.people import actions as people
from tests.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.hazard("H2")]

BANNER = "Escalations are delayed."


def _beat(seconds_ago: float = 0) -> None:
    moment = timezone.now() - timedelta(seconds=seconds_ago)
    health.beat(worker="test-host:1", started_at=moment, now=moment)


def _readyz(client: Client) -> tuple[int, dict[str, str]]:
    response = client.get("/readyz")
    return response.status_code, response.json()["checks"]


def test_readyz_is_ready_while_a_worker_beats_and_nothing_is_overdue(client: Client) -> None:
    _beat()
    status, checks = _readyz(client)
    assert status == 200
    assert (checks["worker"], checks["deadlines"]) == ("ok", "ok")


def test_readyz_is_unavailable_before_any_worker_has_run(client: Client) -> None:
    status, checks = _readyz(client)
    assert status == 503
    assert checks["worker"] == "no worker has run yet"


def test_readyz_is_unavailable_once_the_heartbeat_is_older_than_thirty_seconds(
    client: Client,
) -> None:
    _beat(seconds_ago=29)
    assert _readyz(client)[0] == 200
    _beat(seconds_ago=31)
    status, checks = _readyz(client)
    assert status == 503
    assert checks["worker"].startswith("no worker heartbeat for 3")


def test_readyz_is_unavailable_when_due_work_waits_more_than_a_minute(client: Client) -> None:
    _beat()  # a worker beats, yet what is due is not run (its task runner is stuck, say)
    tasks.alert.using(run_after=timezone.now() - timedelta(seconds=50)).enqueue(
        "t", "k", 1, [], "/"
    )
    assert _readyz(client)[0] == 200  # due, but within the allowance
    DBTaskResult.objects.update(run_after=timezone.now() - timedelta(seconds=75))
    status, checks = _readyz(client)
    assert status == 503
    assert checks["deadlines"].startswith("due steps are 7")


def test_a_visit_step_nobody_fired_counts_as_overdue(world: World, client: Client) -> None:
    from ropeteam.escalation.models import Step
    from ropeteam.visits import actions as visits

    _beat()
    visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + timedelta(minutes=30),
        rope_holder_id=world.jo.pk,
    )
    assert _readyz(client)[0] == 200
    # The visit's first step is a step of the engine like any other: left unfired, it shows.
    Step.objects.filter(chain__ladder=visits.CHAIN, position=0).update(
        due_at=timezone.now() - timedelta(seconds=90)
    )
    status, checks = _readyz(client)
    assert status == 503
    assert checks["deadlines"].startswith("due steps are 9")


def test_an_embedded_worker_that_died_is_reported_at_once(client: Client, monkeypatch: Any) -> None:
    _beat()  # its last heartbeat is still fresh: the supervisor knows better
    monkeypatch.setattr(health, "embedded", None)
    health.embedded_started()
    health.embedded_died(timezone.now() - timedelta(seconds=2))
    status, checks = _readyz(client)
    assert status == 503
    assert checks["worker"] == "the embedded worker stopped 2 s ago and is being restarted"
    health.embedded_started()
    assert _readyz(client)[0] == 200
    assert health.embedded is not None
    assert health.embedded.restarts == 1


def test_the_team_lead_and_the_duty_lead_see_that_escalations_are_delayed(world: World) -> None:
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.morgan,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    _beat(seconds_ago=45)
    for lead in (world.priya, world.morgan):
        page = world.client_for(lead).get(reverse("web:home")).content.decode()
        assert BANNER in page
        assert "no worker heartbeat for 4" in page
    # Nobody else carries it: a keyworker can do nothing about the worker.
    assert BANNER not in world.client_for(world.sam).get(reverse("web:home")).content.decode()
    # Nor another team's lead? Every team's deadlines wait on the same worker: kim sees it too.
    assert BANNER in world.client_for(world.kim).get(reverse("web:home")).content.decode()
    _beat()
    assert BANNER not in world.client_for(world.priya).get(reverse("web:home")).content.decode()


def test_check_reports_a_silent_worker(capsys: pytest.CaptureFixture[str]) -> None:
    from ropeteam import cli

    _beat(seconds_ago=120)
    assert cli.main(["check"]) == 2
    assert "Escalations are delayed: no worker heartbeat for 12" in capsys.readouterr().out


def test_check_does_not_fail_an_installation_whose_worker_never_started(db: None) -> None:
    said: list[str] = []
    assert health.delays(said.append) == []
    assert "no worker has run here yet" in said[0]
