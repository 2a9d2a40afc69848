"""Emergency procedures chosen at step 4 reach the duty lead and the team lead, and keep
reaching them until one says "I'm on it" (issue 11: no chain ends in silence)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.core.errors import Conflict, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
from ropeteam.people import actions as people
from ropeteam.thinking import actions, emergency
from ropeteam.thinking.models import Consultation
from tests.api.conftest import Api, audit_entries, token_for
from tests.conftest import World
from tests.thinking.test_actions import ask, to_step_four

pytestmark = [pytest.mark.django_db, pytest.mark.hazard("H3")]


def _alerted() -> list[tuple[str, list[int]]]:
    """(topic, people) of every emergency push/e-mail waiting to be sent, oldest first."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at"
    )
    return [
        (row.args_kwargs["args"][0], row.args_kwargs["args"][3])
        for row in rows
        if row.args_kwargs["args"][1] == "thinking_emergency"
    ]


def _emergency(world: World) -> Consultation:
    consultation = to_step_four(world, actions.accept(actor=world.jo, consultation=ask(world)))
    actions.record_outcome(
        actor=world.sam, consultation=consultation, met="no", next_step="emergency"
    )
    return consultation


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def morgan_on_duty(world: World) -> None:
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.morgan,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=4),
    )


def test_emergency_alerts_the_duty_lead_and_the_team_lead_at_once(
    world: World, morgan_on_duty: None
) -> None:
    consultation = _emergency(world)
    expected = sorted([world.priya.pk, world.morgan.pk])
    assert _alerted() == [(f"thinking-emergency:{consultation.pk}:0", expected)]
    (entry,) = audit_entries("thinking.emergency")
    assert entry.data["alerted"] == expected
    # Both see it on every page they open; nobody else does.
    for lead in (world.priya, world.morgan):
        page = world.client_for(lead).get(reverse("web:home")).content.decode()
        assert "Emergency: Sam needs help now" in page
    for other in (world.jo, world.sam, world.kim):
        page = world.client_for(other).get(reverse("web:home")).content.decode()
        assert "needs help now" not in page


def test_an_emergency_nobody_takes_keeps_alerting(world: World) -> None:
    consultation = _emergency(world)
    start = timezone.now()
    for minutes in (2, 4, 6):
        engine.run_due(now=start + timedelta(minutes=minutes, seconds=1))
    topics = [topic for topic, _ in _alerted()]
    assert topics == [f"thinking-emergency:{consultation.pk}:{n}" for n in range(4)]
    assert all(ids == [world.priya.pk] for _, ids in _alerted())  # no duty shift: the lead


def test_im_on_it_stops_the_alerts_and_says_who(world: World, morgan_on_duty: None) -> None:
    consultation = _emergency(world)
    response = world.client_for(world.priya).post(
        reverse("web:emergency_acknowledge", args=[consultation.pk]), {"next": "/"}
    )
    assert response.status_code == 302
    chain = Chain.objects.get(ladder=emergency.LADDER, subject_id=consultation.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.priya.pk)
    (entry,) = audit_entries("thinking.emergency_acknowledged")
    assert entry.actor_id == world.priya.pk
    engine.run_due(now=timezone.now() + timedelta(hours=1))
    assert len(_alerted()) == 1  # only the first: nothing after the acknowledgement
    page = world.client_for(world.morgan).get(reverse("web:home")).content.decode()
    assert "needs help now" not in page
    # Pressing again is the same acknowledgement; the other responder is told who has it.
    emergency.acknowledge(actor=world.priya, consultation_id=consultation.pk)
    with pytest.raises(Conflict, match=r"Priya is already on it\."):
        emergency.acknowledge(actor=world.morgan, consultation_id=consultation.pk)


def test_only_those_alerted_can_take_an_emergency(world: World) -> None:
    consultation = _emergency(world)
    for outsider in (world.jo, world.sam, world.kim, world.lee):
        with pytest.raises(NotFound):
            emergency.acknowledge(actor=outsider, consultation_id=consultation.pk)
        response = world.client_for(outsider).post(
            reverse("web:emergency_acknowledge", args=[consultation.pk])
        )
        assert response.status_code == 404
    missing = reverse("web:emergency_acknowledge", args=[consultation.pk + 1000])
    assert world.client_for(world.priya).post(missing).status_code == 404
    assert (
        world.client_for(world.priya)
        .get(reverse("web:emergency_acknowledge", args=[consultation.pk]))
        .status_code
        == 405
    )
    chain = Chain.objects.get(ladder=emergency.LADDER, subject_id=consultation.pk)
    assert chain.state == ChainState.OPEN


def test_over_the_api_a_responder_lists_and_takes_an_emergency(
    world: World, morgan_on_duty: None, api: Callable[[str], Api]
) -> None:
    consultation = _emergency(world)
    path = f"/thinking/{consultation.pk}/emergency/acknowledge"
    for responder in ("priya", "morgan"):
        (waiting,) = api(responder).get("/me/emergencies").json()
        assert (waiting["consultation"], waiting["state"]) == (consultation.pk, "open")
    for other in ("jo", "sam", "kim"):
        assert api(other).get("/me/emergencies").json() == []
        response = api(other).post(path, None)
        assert (response.status_code, response.json()["detail"]) == (404, "No such emergency.")

    taken = api("morgan").post(path, None)
    assert taken.status_code == 200
    assert (taken.json()["state"], taken.json()["acknowledged_by"]) == (
        "acknowledged",
        world.morgan.pk,
    )
    assert api("priya").get("/me/emergencies").json() == []
    late = api("priya").post(path, None)
    assert (late.status_code, late.json()["detail"]) == (409, "Morgan is already on it.")
