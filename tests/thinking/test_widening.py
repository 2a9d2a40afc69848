"""An unanswered request on the escalation engine: it widens circle by circle at the team's
waits, then alerts the duty lead and the team leads again until one of them accepts, while
the help-seeker's page says whom to call. The worker's sweep is `engine.run_due`.

sam asks; jo and morgan hold sam's rope; priya leads Northside; alex has no rope holders.
"""

import importlib
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.escalation import engine
from ropeteam.escalation.models import Chain
from ropeteam.people import actions as people
from ropeteam.thinking import actions
from ropeteam.thinking.flow import Circle, State
from ropeteam.thinking.models import Consultation
from tests.api.conftest import audit_entries
from tests.conftest import World
from tests.thinking.test_actions import ask, asked_ids

WAIT = timedelta(minutes=3)  # a "now" request's default wait per circle
REPEAT = timedelta(minutes=5)  # ROPETEAM_THINKING_REPEAT_SECONDS


def _alerts(consultation: Consultation) -> list[tuple[str, list[int]]]:
    """(topic, people) of each push/e-mail about this request waiting to be sent, in order."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at"
    )
    prefix = f"thinking:{consultation.pk}:"
    return [
        (args[0], args[3])
        for args in (row.args_kwargs["args"] for row in rows)
        if args[0].startswith(prefix)
    ]


def _chains(consultation: Consultation) -> list[tuple[int, str]]:
    rows = Chain.objects.filter(ladder=actions.LADDER, subject_id=consultation.pk)
    return list(rows.order_by("round").values_list("round", "state"))


def _reload(consultation: Consultation) -> Consultation:
    return Consultation.objects.get(pk=consultation.pk)


def _morgan_on_duty(world: World) -> None:
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.morgan,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=4),
    )


def _at_the_duty_lead(world: World) -> tuple[Consultation, datetime]:
    """alex asks; nobody holds alex's rope or is available: the duty lead is alerted at once."""
    _morgan_on_duty(world)
    asked_at = timezone.now()
    consultation = ask(world, actor=world.alex)
    assert consultation.circle == Circle.DUTY_LEAD
    return consultation, asked_at


@pytest.mark.hazard("H1")
def test_the_worker_widens_an_unanswered_request_once_per_circle_at_the_teams_wait(
    world: World,
) -> None:
    people.set_availability(actor=world.alex, status="available")
    consultation = ask(world)
    first = consultation.widen_at
    assert first is not None
    assert engine.run_due(now=first - timedelta(seconds=1)) == 0
    assert engine.run_due(now=first) == 1
    consultation = _reload(consultation)
    assert consultation.circle == Circle.TEAM and world.alex.pk in asked_ids(consultation)
    assert consultation.widen_at == first + WAIT  # the team gets its full wait
    assert _chains(consultation) == [(Circle.ROPE, "cancelled"), (Circle.TEAM, "open")]
    assert engine.run_due(now=first) == 0  # a second sweep changes nothing
    assert engine.run_due(now=first + WAIT) == 1
    consultation = _reload(consultation)
    assert consultation.circle == Circle.DUTY_LEAD and world.priya.pk in asked_ids(consultation)
    assert consultation.widen_at is None  # the widest circle: it is alerted again instead
    due = engine.next_due(ladder=actions.LADDER, subject_id=consultation.pk)
    assert due == first + WAIT + REPEAT
    assert len(audit_entries("thinking.widened")) == 2


@pytest.mark.hazard("H3")
def test_at_the_duty_lead_the_alert_repeats_until_someone_accepts(world: World) -> None:
    consultation, asked_at = _at_the_duty_lead(world)
    leads = sorted([world.priya.pk, world.morgan.pk])
    key = f"thinking:{consultation.pk}:{Circle.DUTY_LEAD}"
    assert _alerts(consultation) == [(key, [world.morgan.pk])]
    for n in range(3):
        assert engine.run_due(now=asked_at + (n + 1) * REPEAT + timedelta(seconds=1)) == 1
    # The duty lead and every team lead, again and again; each is now asked and may accept.
    assert _alerts(consultation)[1:] == [(f"{key}:again:{n}", leads) for n in range(3)]
    assert asked_ids(consultation) == set(leads)
    assert [e.data["step"] for e in audit_entries("thinking.alerted_again")] == [0, 1, 2]
    actions.accept(actor=world.priya, consultation=consultation)
    assert engine.run_due(now=asked_at + timedelta(days=1)) == 0
    chain = Chain.objects.get(ladder=actions.LADDER, subject_id=consultation.pk)
    assert (chain.state, chain.acknowledged_by_id) == ("acknowledged", world.priya.pk)
    assert len(_alerts(consultation)) == 4


@pytest.mark.hazard("H1")
def test_withdrawing_a_request_cancels_its_deadlines(world: World) -> None:
    consultation = ask(world)
    actions.cancel(actor=world.sam, consultation=consultation)
    assert _chains(consultation) == [(Circle.ROPE, "cancelled")]
    assert engine.run_due(now=timezone.now() + timedelta(days=1)) == 0
    assert _reload(consultation).circle == Circle.ROPE


@pytest.mark.hazard("H1")
def test_when_everyone_declines_the_next_circle_gets_its_full_wait(world: World) -> None:
    people.set_availability(actor=world.alex, status="available")
    consultation = ask(world)
    for colleague in (world.jo, world.morgan):
        actions.decline(actor=colleague, consultation=consultation, reason="On a visit")
    declined_at = timezone.now()
    consultation = _reload(consultation)
    assert consultation.circle == Circle.TEAM
    # A new round from the team's circle: the rope's deadline, now moot, never fires.
    assert _chains(consultation) == [(Circle.ROPE, "cancelled"), (Circle.TEAM, "open")]
    assert consultation.widen_at is not None
    assert consultation.widen_at - declined_at >= WAIT - timedelta(seconds=5)
    assert engine.run_due(now=consultation.widen_at - timedelta(seconds=1)) == 0
    assert engine.run_due(now=consultation.widen_at) == 1
    assert _reload(consultation).circle == Circle.DUTY_LEAD


def test_a_step_that_races_the_answer_does_nothing(world: World) -> None:
    consultation = ask(world)
    actions.accept(actor=world.jo, consultation=consultation)
    assert (
        actions.keep_asking(consultation_id=consultation.pk, position=0, at=timezone.now()) is None
    )
    assert _reload(consultation).state == State.ACTIVE


@pytest.mark.hazard("H3")
def test_the_help_seeker_is_told_to_call_the_duty_lead_when_nobody_has_answered(
    world: World,
) -> None:
    people.set_phone(actor=world.morgan, phone="07700 900123")
    consultation, _asked_at = _at_the_duty_lead(world)
    page = world.client_for(world.alex).get(reverse("web:thinking", args=[consultation.pk]))
    text = page.content.decode()
    assert "Nobody has answered yet. Call the duty lead: Morgan" in text
    assert 'href="tel:07700900123"' in text


def test_without_a_duty_lead_on_the_rota_the_help_seeker_is_told_to_call_a_team_lead(
    world: World,
) -> None:
    consultation = ask(world, actor=world.alex)
    page = world.client_for(world.alex).get(reverse("web:thinking", args=[consultation.pk]))
    assert "Call the duty lead: Priya" in page.content.decode()


def test_before_the_last_circle_the_page_says_when_it_widens_not_whom_to_call(
    world: World,
) -> None:
    consultation = ask(world)
    page = world.client_for(world.sam).get(reverse("web:thinking", args=[consultation.pk]))
    assert "Nobody has answered yet" not in page.content.decode()


def test_requests_waiting_when_the_engine_arrived_get_their_chain(world: World) -> None:
    from django.apps import apps

    moved = importlib.import_module("ropeteam.thinking.migrations.0002_widening_on_the_engine")
    waiting = ask(world)
    at_the_lead, _asked_at = _at_the_duty_lead(world)
    Chain.objects.all().delete()  # as before the engine: the deadline was a django-tasks row
    moved.forwards(apps, None)
    assert _chains(waiting) == [(Circle.ROPE, "open")]
    assert engine.next_due(ladder=actions.LADDER, subject_id=waiting.pk) == waiting.widen_at
    assert _chains(at_the_lead) == [(Circle.DUTY_LEAD, "open")]
