"""A visit's chain on the escalation engine: it ends at a human who says "I'm on it".

sam goes out with jo holding the rope; priya leads Northside (no duty shift is set, so she
stands in for the duty lead). The engine runs at chosen instants (`engine.run_due(now=...)`),
so each test says exactly when the worker looks.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.core.errors import NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState, StepState
from ropeteam.escalation.models import Chain
from ropeteam.escalation.models import Step as ChainStep
from ropeteam.notify import actions as notify
from ropeteam.visits import actions
from ropeteam.visits.access import access_visit
from ropeteam.visits.flow import Step
from ropeteam.visits.models import Escalation, Visit
from tests.api.conftest import audit_entries
from tests.conftest import World

MIN = timedelta(minutes=1)


def _held(world: World, minutes: int = 30) -> tuple[Visit, datetime]:
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + minutes * MIN,
        rope_holder_id=world.jo.pk,
    )
    visit = actions.hold_rope(actor=world.jo, visit=visit)
    return visit, Visit.objects.get(pk=visit.pk).expected_end


def _chains(visit: Visit) -> list[tuple[int, str]]:
    rows = Chain.objects.filter(ladder=actions.CHAIN, subject_id=visit.pk).order_by("round")
    return list(rows.values_list("round", "state"))


def _alerted(visit: Visit) -> list[tuple[str, list[int]]]:
    """(topic, people) of each push/e-mail about this visit's chain waiting to be sent."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at"
    )
    prefix = f"visit:{visit.pk}:1:"
    return [
        (args[0], args[3])
        for args in (row.args_kwargs["args"] for row in rows)
        if args[0].startswith(prefix)
    ]


@pytest.mark.hazard("H3")
def test_the_top_step_alerts_everyone_told_again_until_a_lead_says_im_on_it(
    world: World,
) -> None:
    visit, end = _held(world)
    assert engine.run_due(now=end + 30 * MIN) == 4  # prompt, rope holder, duty, team lead
    assert engine.run_due(now=end + 34 * MIN) == 0
    assert engine.run_due(now=end + 30 * MIN + actions.repeat_every()) == 1
    assert engine.run_due(now=end + 30 * MIN + 2 * actions.repeat_every()) == 1
    top = Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)
    assert top.repeats == 2
    again = [(t, people) for t, people in _alerted(visit) if ":again:" in t]
    # Everyone the chain told (not sam, who was only asked if he is OK), each time.
    assert again == [
        (f"visit:{visit.pk}:1:3:again:1", sorted([world.jo.pk, world.priya.pk])),
        (f"visit:{visit.pk}:1:3:again:2", sorted([world.jo.pk, world.priya.pk])),
    ]
    assert len(audit_entries("visits.alerted_again")) == 2

    actions.acknowledge(actor=world.priya, escalation=top)
    chain = Chain.objects.get(ladder=actions.CHAIN, subject_id=visit.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.priya.pk)
    assert engine.run_due(now=end + 5 * 60 * MIN) == 0  # nothing after a human has it
    assert Escalation.objects.get(pk=top.pk).repeats == 2


@pytest.mark.hazard("H3")
def test_the_rope_holder_saying_im_on_it_stops_the_chain_before_the_duty_lead(
    world: World,
) -> None:
    visit, end = _held(world)
    engine.run_due(now=end + 10 * MIN)
    alert = Escalation.objects.get(visit=visit, step=Step.ROPE_HOLDER)
    actions.acknowledge(actor=world.jo, escalation=alert)
    assert engine.run_due(now=end + 60 * MIN) == 0
    assert list(Escalation.objects.filter(visit=visit).values_list("step", flat=True)) == [0, 1]
    assert _chains(visit) == [(1, ChainState.ACKNOWLEDGED)]


@pytest.mark.hazard("H1")
def test_extending_opens_a_new_round_from_the_new_end_and_cancels_the_old(world: World) -> None:
    visit, end = _held(world)
    engine.run_due(now=end)  # sam is asked if he is OK
    visit = actions.extend(actor=world.sam, visit=visit, minutes=20)
    new_end = Visit.objects.get(pk=visit.pk).expected_end
    assert new_end == end + 20 * MIN
    assert _chains(visit) == [(1, ChainState.CANCELLED), (2, ChainState.OPEN)]
    assert engine.run_due(now=end + 10 * MIN) == 0  # round 1's rope holder step is moot
    assert engine.run_due(now=new_end) == 1
    rounds = Escalation.objects.filter(visit=visit).values_list("round", "step")
    assert list(rounds) == [(1, Step.PROMPT_WORKER), (2, Step.PROMPT_WORKER)]


@pytest.mark.hazard("H1")
def test_ending_the_visit_cancels_every_step_still_pending(world: World) -> None:
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + 30 * MIN,
        rope_holder_id=world.jo.pk,
    )  # jo has not accepted: the wait before the next rope holder is pending too
    actions.end_visit(actor=world.sam, visit=visit)
    steps = ChainStep.objects.filter(chain__subject_id=visit.pk)
    assert steps.count() == 5  # four of the chain, one of the rope
    assert not steps.filter(state=StepState.PENDING).exists()
    assert engine.run_due(now=timezone.now() + 24 * 60 * MIN) == 0
    assert not Escalation.objects.filter(visit=visit).exists()


def test_a_step_fired_already_is_not_recorded_twice(world: World) -> None:
    visit, end = _held(world)
    engine.run_due(now=end)
    # The engine fires a step once; were it run again, the unique (visit, round, step) of
    # the escalation still refuses to tell anyone twice.
    actions.escalate(visit_id=visit.pk, round=1, step=Step.PROMPT_WORKER, due_at=end, now=end + MIN)
    assert Escalation.objects.filter(visit=visit).count() == 1
    assert len(audit_entries("visits.escalated")) == 1


def test_open_visits_get_their_chain_when_the_engine_arrives(world: World) -> None:
    from importlib import import_module

    from django.apps import apps

    visit, end = _held(world)
    engine.run_due(now=end + 10 * MIN)
    Chain.objects.all().delete()  # as before the migration
    migration = import_module("ropeteam.visits.migrations.0002_chain_on_the_engine")
    migration.forwards(apps, None)
    steps = ChainStep.objects.filter(chain__subject_id=visit.pk).order_by("position")
    assert list(steps.values_list("position", "state")) == [
        (0, StepState.FIRED),
        (1, StepState.FIRED),
        (2, StepState.PENDING),
        (3, StepState.PENDING),
    ]
    assert engine.run_due(now=end + 20 * MIN) == 1
    assert Escalation.objects.filter(visit=visit).count() == 3


def _out_of_hours(world: World) -> None:
    """The Trust's out-of-hours team: a shared address, and kim (Riverside's lead) on call."""
    world.organisation.out_of_hours_contact = "Emergency duty team 0300 555 0123"
    world.organisation.out_of_hours_email = "edt@trust.example"
    world.organisation.out_of_hours_person = world.kim
    world.organisation.save()


def _out_of_hours_mail(mailoutbox: list[Any]) -> list[Any]:
    """Send the out-of-hours e-mails waiting in the task queue; the ones sent."""
    for row in DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert_address"):
        kind, about_id, to, path, why = row.args_kwargs["args"]
        notify.alert_address(kind=kind, about_id=about_id, to=to, path=path, why=why)
        row.delete()
    return [m for m in mailoutbox if m.to == ["edt@trust.example"]]


@pytest.mark.hazard("H3")
def test_the_out_of_hours_contact_is_emailed_until_a_lead_says_im_on_it(
    world: World, mailoutbox: list[Any]
) -> None:
    _out_of_hours(world)
    visit, end = _held(world)
    engine.run_due(now=end + 30 * MIN)
    top = Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)
    assert world.kim.pk in top.told  # on call: alerted on her own channels, push or e-mail
    assert (top.out_of_hours, top.channels) == (
        "Emergency duty team 0300 555 0123",
        ["in_app", "email"],
    )
    (first,) = _out_of_hours_mail(mailoutbox)
    assert first.subject == "Sam is overdue on a visit"
    assert "http://127.0.0.1:8000/visits/" in first.body
    assert "Harbour Court" not in first.body  # never where
    assert "out-of-hours contact of Test Trust" in first.body

    engine.run_due(now=end + 30 * MIN + actions.repeat_every())
    assert len(_out_of_hours_mail(mailoutbox)) == 2  # again, until someone has it
    again = [people for topic, people in _alerted(visit) if ":again:" in topic]
    assert again == [sorted([world.jo.pk, world.priya.pk, world.kim.pk])]

    actions.acknowledge(actor=world.priya, escalation=top)
    assert engine.run_due(now=end + 5 * 60 * MIN) == 0
    assert len(_out_of_hours_mail(mailoutbox)) == 2


@pytest.mark.hazard("H3")
def test_the_out_of_hours_person_sees_the_visit_and_acknowledges_like_anyone_told(
    world: World,
) -> None:
    _out_of_hours(world)
    visit, end = _held(world)
    with pytest.raises(NotFound):  # not of the team, and not alerted yet
        access_visit(world.kim, visit.pk)
    engine.run_due(now=end + 30 * MIN)
    assert access_visit(world.kim, visit.pk).pk == visit.pk
    top = Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)
    actions.acknowledge(actor=world.kim, escalation=top)
    chain = Chain.objects.get(ladder=actions.CHAIN, subject_id=visit.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.kim.pk)
    with pytest.raises(NotFound):  # another visit, where nobody alerted her
        access_visit(world.kim, _held(world)[0].pk)


def test_without_an_out_of_hours_address_nothing_is_emailed(world: World) -> None:
    visit, end = _held(world)
    engine.run_due(now=end + 30 * MIN)
    top = Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)
    assert top.channels == ["in_app"]
    assert not DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert_address")
