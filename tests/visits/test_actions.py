"""Field visits through the actions: starting, the rope, check-ins and the chain.

sam goes out; jo then morgan hold sam's rope; priya leads Northside (no duty shift is set,
so the team lead stands in for the duty lead); kim leads Riverside.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.escalation import engine
from ropeteam.people import actions as people
from ropeteam.visits import actions
from ropeteam.visits.access import may_take
from ropeteam.visits.flow import State, Step
from ropeteam.visits.models import ALARM, Escalation, Visit
from tests.api.conftest import audit_entries, database_contains
from tests.conftest import World

MIN = timedelta(minutes=1)


def go_out(world: World, minutes: int = 60, **changes: object) -> Visit:
    fields: dict[str, object] = {
        "actor": world.sam,
        "team": world.northside,
        "location": "Flat 3, Harbour Court",
        "expected_end": timezone.now() + minutes * MIN,
        "note": "Dog in the flat",
    }
    visit = actions.start_visit(**(fields | changes))  # type: ignore[arg-type]
    return visit


def held(world: World, minutes: int = 60) -> Visit:
    visit = go_out(world, minutes)
    return actions.hold_rope(actor=world.jo, visit=visit)


def next_due(visit: Visit) -> datetime | None:
    return engine.next_due(ladder=actions.CHAIN, subject_id=visit.pk)


def fired(visit: Visit) -> list[tuple[int, int, list[int]]]:
    return [
        (e.round, e.step, e.told)
        for e in Escalation.objects.filter(visit=visit).exclude(step=ALARM)
    ]


def test_starting_asks_the_first_rope_holder_and_keeps_the_place_encrypted(world: World) -> None:
    visit = go_out(world)
    assert (visit.state, visit.rope_holder_id) == (State.AWAITING_ROPE, world.jo.pk)
    assert not database_contains("Harbour Court")
    assert not database_contains("Dog in the flat")
    assert Visit.objects.get(pk=visit.pk).location == "Flat 3, Harbour Court"
    assert len(audit_entries("visits.started")) == 1


def test_an_available_rope_holder_is_asked_before_one_who_is_not(world: World) -> None:
    people.set_availability(actor=world.jo, status="on_visit")
    people.set_availability(actor=world.morgan, status="available")
    assert go_out(world).rope_holder_id == world.morgan.pk


def test_bad_starts_are_refused_with_a_reason(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        go_out(world, location="  ")
    assert error.value.field == "location"
    with pytest.raises(InvalidInput):
        go_out(world, minutes=-5)
    with pytest.raises(InvalidInput):
        go_out(world, minutes=13 * 60)
    with pytest.raises(NotFound):
        go_out(world, rope_holder_id=world.kim.pk)
    with pytest.raises(NotFound):
        go_out(world, case_id=world.lees_case.pk)
    assert not Visit.objects.exists()


def test_only_the_rope_holder_takes_the_rope(world: World) -> None:
    visit = go_out(world)
    with pytest.raises(Forbidden):
        actions.hold_rope(actor=world.morgan, visit=visit)
    assert actions.hold_rope(actor=world.jo, visit=visit).state == State.OUT
    with pytest.raises(Conflict):
        actions.hold_rope(actor=world.jo, visit=visit)


def test_the_chain_fires_each_step_once_in_order_at_its_time(world: World) -> None:
    visit = held(world, minutes=60)
    end = Visit.objects.get(pk=visit.pk).expected_end
    assert engine.run_due(now=end - MIN) == 0
    assert engine.run_due(now=end) == 1
    assert engine.run_due(now=end + 10 * MIN) == 1
    assert engine.run_due(now=end + 10 * MIN) == 0  # no step fires twice
    assert fired(visit) == [
        (1, Step.PROMPT_WORKER, [world.sam.pk]),
        (1, Step.ROPE_HOLDER, [world.jo.pk]),
    ]
    assert next_due(visit) == end + 20 * MIN


def test_steps_that_fell_due_while_down_all_fire_once_in_order(world: World) -> None:
    visit = held(world, minutes=30)
    end = Visit.objects.get(pk=visit.pk).expected_end
    assert engine.run_due(now=end + 45 * MIN) == 4
    assert [step for _r, step, _t in fired(visit)] == [0, 1, 2, 3]
    top = Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)
    assert top.told == [world.priya.pk]
    # The top step repeats from when it fired until someone acknowledges.
    assert next_due(visit) == end + 45 * MIN + actions.repeat_every()
    assert len(audit_entries("visits.escalated")) == 4


def test_ending_the_visit_cancels_what_is_pending(world: World) -> None:
    visit = held(world, minutes=30)
    end = Visit.objects.get(pk=visit.pk).expected_end
    engine.run_due(now=end)
    actions.end_visit(actor=world.sam, visit=visit)
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.state, next_due(visit)) == (State.ENDED, None)
    assert engine.run_due(now=end + 60 * MIN) == 0
    assert [step for _r, step, _t in fired(visit)] == [Step.PROMPT_WORKER]
    with pytest.raises(Forbidden):
        actions.end_visit(actor=world.jo, visit=go_out(world))


def test_extending_starts_the_chain_again_from_the_new_end(world: World) -> None:
    visit = held(world, minutes=30)
    end = Visit.objects.get(pk=visit.pk).expected_end
    engine.run_due(now=end)
    visit = actions.extend(actor=world.sam, visit=visit, minutes=20)
    assert visit.round == 2
    assert next_due(visit) == visit.expected_end
    with pytest.raises(InvalidInput):
        actions.extend(actor=world.sam, visit=visit, minutes=0)


def test_the_alarm_reaches_the_rope_holder_and_the_duty_lead_together_once(
    world: World,
) -> None:
    visit = held(world)
    alarm = actions.raise_alarm(actor=world.sam, visit=visit)
    assert (alarm.step, sorted(alarm.told)) == (ALARM, sorted([world.jo.pk, world.priya.pk]))
    again = actions.raise_alarm(actor=world.sam, visit=visit)  # a resend after a dead zone
    assert again.pk == alarm.pk
    assert Escalation.objects.filter(visit=visit, step=ALARM).count() == 1


def test_a_lead_takes_any_alert_of_the_team_but_not_one_about_her_own_visit(
    world: World,
) -> None:
    alert = Escalation(told=[world.jo.pk])
    sams = Visit(team=world.northside, worker=world.sam)
    priyas = Visit(team=world.northside, worker=world.priya)
    assert may_take(world.jo, sams, alert)
    assert may_take(world.priya, sams, alert)
    assert not may_take(world.morgan, sams, alert)
    assert not may_take(world.priya, priyas, alert)
    assert not may_take(world.kim, sams, alert)  # a lead of another team


def test_whoever_was_told_acknowledges_and_records_what_happened(world: World) -> None:
    visit = held(world, minutes=30)
    engine.run_due(now=Visit.objects.get(pk=visit.pk).expected_end + 10 * MIN)
    alert = Escalation.objects.get(visit=visit, step=Step.ROPE_HOLDER)
    with pytest.raises(Forbidden):
        actions.acknowledge(actor=world.morgan, escalation=alert)
    alert = actions.acknowledge(actor=world.jo, escalation=alert)
    assert alert.acknowledged_by_id == world.jo.pk
    with pytest.raises(InvalidInput):
        actions.resolve(actor=world.jo, escalation=alert, outcome=" ")
    alert = actions.resolve(actor=world.jo, escalation=alert, outcome="Reached her, safe")
    assert alert.resolved_at is not None
    assert not database_contains("Reached her, safe")


def test_an_unaccepted_rope_passes_to_the_next_rope_holder_then_the_duty_lead(
    world: World,
) -> None:
    visit = go_out(world, minutes=120)
    start = Visit.objects.get(pk=visit.pk).started_at
    engine.run_due(now=start + actions.ROPE_WAIT)
    assert Visit.objects.get(pk=visit.pk).rope_holder_id == world.morgan.pk
    engine.run_due(now=start + 2 * actions.ROPE_WAIT)
    assert Visit.objects.get(pk=visit.pk).rope_holder_id == world.priya.pk
    engine.run_due(now=start + 3 * actions.ROPE_WAIT)
    stored = Visit.objects.get(pk=visit.pk)
    # Nobody is left to ask: the duty lead keeps it and is told nobody took the rope.
    assert (stored.rope_holder_id, stored.rope_asked_at) == (world.priya.pk, None)
    assert len(audit_entries("visits.rope_unheld")) == 1


def test_the_rope_is_handed_over_to_someone_who_must_accept_it(world: World) -> None:
    visit = held(world)
    visit = actions.hand_over(actor=world.jo, visit=visit, to_id=world.morgan.pk)
    assert (visit.rope_holder_id, visit.state) == (world.morgan.pk, State.AWAITING_ROPE)
    with pytest.raises(NotFound):
        actions.hand_over(actor=world.morgan, visit=visit, to_id=world.kim.pk)
    assert actions.hold_rope(actor=world.morgan, visit=visit).state == State.OUT


def test_only_the_lead_sets_the_chain(world: World) -> None:
    chain = {step: step * 5 * MIN for step in Step}
    with pytest.raises(Forbidden):
        actions.set_chain(actor=world.sam, team=world.northside, chain=chain)
    actions.set_chain(actor=world.priya, team=world.northside, chain=chain)
    assert actions.chain_for(world.northside) == chain
    with pytest.raises(InvalidInput):
        actions.set_chain(
            actor=world.priya, team=world.northside, chain=chain | {Step.DUTY_LEAD: 1 * MIN}
        )
