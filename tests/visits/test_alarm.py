"""The alarm on the escalation engine: alerted at once, then again, widening, until a human
says "I'm on it".

sam is out with jo holding the rope; morgan is the duty lead on the rota, priya leads
Northside, and kim (Riverside's lead) is the Trust's out-of-hours person on call, beside the
out-of-hours address. The engine runs at chosen instants (`engine.run_due(now=...)`).
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
from ropeteam.people import actions as people
from ropeteam.visits import actions
from ropeteam.visits.models import ALARM, Escalation, Visit
from tests.api.conftest import audit_entries
from tests.conftest import World
from tests.web.conftest import page_text

MIN = timedelta(minutes=1)


def _alarmed(world: World) -> tuple[Visit, Escalation, datetime]:
    world.organisation.out_of_hours_contact = "Emergency duty team 0300 555 0123"
    world.organisation.out_of_hours_email = "edt@trust.example"
    world.organisation.out_of_hours_person = world.kim
    world.organisation.save()
    now = timezone.now()
    people.add_duty_shift(
        actor=None, team=world.northside, lead=world.morgan, starts_at=now, ends_at=now + 60 * MIN
    )
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=now + 30 * MIN,
        rope_holder_id=world.jo.pk,
    )
    visit = actions.hold_rope(actor=world.jo, visit=visit)
    alarm = actions.raise_alarm(actor=world.sam, visit=visit)
    return visit, alarm, alarm.fired_at


def _alarm_alerts(visit: Visit) -> list[tuple[str, list[int]]]:
    """(topic, people) of each push/e-mail about this visit's alarm waiting to be sent."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert")
    found = [row.args_kwargs["args"] for row in rows.order_by("enqueued_at")]
    return [(a[0], a[3]) for a in found if a[0].startswith(f"visit:{visit.pk}:alarm")]


def _out_of_hours_emails() -> list[str]:
    """The kinds of out-of-hours e-mails waiting to be sent."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert_address")
    return [row.args_kwargs["args"][0] for row in rows]


def _every(n: int) -> timedelta:
    return n * actions.repeat_every()


@pytest.mark.hazard("H3")
@pytest.mark.hazard("H4")
def test_the_alarm_repeats_widening_to_the_leads_then_out_of_hours_until_someone_is_on_it(
    world: World,
) -> None:
    visit, alarm, at = _alarmed(world)
    first = sorted([world.jo.pk, world.morgan.pk])
    # The first alert went at once, from the action, not from the worker.
    assert _alarm_alerts(visit) == [(f"visit:{visit.pk}:alarm", first)]
    assert engine.run_due(now=at + _every(1) - MIN) == 0
    assert engine.run_due(now=at + _every(1)) == 1
    assert engine.run_due(now=at + _every(2)) == 1
    assert engine.run_due(now=at + _every(3)) == 1
    leads = sorted([*first, world.priya.pk])
    everyone = sorted([*leads, world.kim.pk])
    assert _alarm_alerts(visit)[1:] == [
        (f"visit:{visit.pk}:alarm:again:1", leads),  # the team's leads join
        (f"visit:{visit.pk}:alarm:again:2", everyone),  # and the out-of-hours person
        (f"visit:{visit.pk}:alarm:again:3", everyone),
    ]
    assert _out_of_hours_emails() == ["visit_alarm", "visit_alarm"]  # from repeat 2
    alarm.refresh_from_db()
    assert (alarm.repeats, alarm.told, alarm.channels) == (3, everyone, ["in_app", "email"])
    assert alarm.out_of_hours == "Emergency duty team 0300 555 0123"
    assert [e.data["times"] for e in audit_entries("visits.alarm_repeated")] == [1, 2, 3]

    actions.acknowledge(actor=world.kim, escalation=alarm)  # told at repeat 2, so may take it
    chain = Chain.objects.get(ladder=actions.ALARM_CHAIN, subject_id=visit.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.kim.pk)
    engine.run_due(now=at + _every(50))  # the visit's own chain fires meanwhile
    assert len(_alarm_alerts(visit)) == 4
    assert Escalation.objects.get(pk=alarm.pk).repeats == 3


@pytest.mark.hazard("H4")
def test_pressing_the_alarm_twice_is_one_alarm_with_one_run_of_repeats(world: World) -> None:
    visit, alarm, at = _alarmed(world)
    again = actions.raise_alarm(actor=world.sam, visit=visit)  # resent after a dead zone
    assert again.pk == alarm.pk
    assert Chain.objects.filter(ladder=actions.ALARM_CHAIN, subject_id=visit.pk).count() == 1
    assert engine.run_due(now=at + _every(1)) == 1
    assert len(_alarm_alerts(visit)) == 2  # the first and one repeat, nothing doubled


@pytest.mark.hazard("H4")
def test_ending_the_visit_does_not_silence_an_alarm_nobody_has_taken(
    world: World, as_user: Any
) -> None:
    visit, alarm, at = _alarmed(world)
    actions.end_visit(actor=world.sam, visit=visit)  # perhaps made to, under duress
    assert actions.raise_alarm(actor=world.sam, visit=visit).pk == alarm.pk  # a late resend
    assert engine.run_due(now=at + _every(1)) == 1
    # priya, a lead told at the first repeat, still sees it on the board and takes it.
    board = page_text(as_user("priya").get(reverse("web:visits")))
    assert "ALARM" in board
    assert "nobody is on the alarm yet" in board
    response = as_user("priya").post(reverse("web:visit_acknowledge", args=[alarm.pk]))
    assert response.status_code == 302
    assert engine.run_due(now=at + _every(10)) == 0
    assert "ALARM" not in page_text(as_user("priya").get(reverse("web:visits")))


@pytest.mark.hazard("H4")
def test_the_rope_holder_takes_the_alarm_and_sam_sees_who_is_on_it(
    world: World, as_user: Any
) -> None:
    visit, alarm, at = _alarmed(world)
    jos_page = page_text(as_user("jo").get(reverse("web:visit", args=[visit.pk])))
    assert "I'm on it" in jos_page
    as_user("jo").post(reverse("web:visit_acknowledge", args=[alarm.pk]))
    sams_page = page_text(as_user("sam").get(reverse("web:visit", args=[visit.pk])))
    assert "Jo is on it (since" in sams_page
    assert engine.run_due(now=at + _every(5)) == 0
    assert Escalation.objects.get(pk=alarm.pk).repeats == 0


def test_recording_what_happened_to_the_alarm_stops_its_repeats(world: World) -> None:
    visit, alarm, at = _alarmed(world)
    actions.resolve(actor=world.morgan, escalation=alarm, outcome="Reached him: safe")
    chain = Chain.objects.get(ladder=actions.ALARM_CHAIN, subject_id=visit.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.morgan.pk)
    assert engine.run_due(now=at + _every(3)) == 0


def test_an_open_alarm_nobody_took_gets_its_repeats_when_the_engine_arrives(
    world: World,
) -> None:
    from importlib import import_module

    from django.apps import apps

    visit, _alarm, _at = _alarmed(world)
    Chain.objects.filter(ladder=actions.ALARM_CHAIN).delete()  # as before the migration
    migration = import_module("ropeteam.visits.migrations.0003_alarm_on_the_engine")
    migration.forwards(apps, None)
    assert engine.next_due(ladder=actions.ALARM_CHAIN, subject_id=visit.pk) is not None
    assert Escalation.objects.filter(visit=visit, step=ALARM).count() == 1
