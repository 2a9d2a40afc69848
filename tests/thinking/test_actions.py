"""Thinking Together through the actions: asking, routing, widening, the steps, the outcome.

sam asks; jo and morgan hold sam's rope (in that order); priya leads Northside; kim leads
Riverside, the outsider.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from ropeteam.conversations.models import Participant as ConversationMember
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.escalation.models import Chain
from ropeteam.people import actions as people
from ropeteam.thinking import actions, queries
from ropeteam.thinking.actions import Agreed, Ask
from ropeteam.thinking.flow import Circle, State, Step
from ropeteam.thinking.models import Consultation
from tests.api.conftest import audit_entries, database_contains
from tests.conftest import World


def ask(world: World, who: str = "rope", **changes: object) -> Consultation:
    fields: dict[str, object] = {
        "actor": world.sam,
        "team": world.northside,
        "task": "decision",
        "task_note": "Whether to visit alone tonight",
        "urgency": "now",
        "mode": "chat",
        "ask": Ask(who, world.priya.pk if who == "named" else None),
        "steadiness": 4,
    }
    return actions.request_help(**(fields | changes))  # type: ignore[arg-type]


def asked_ids(consultation: Consultation) -> set[int]:
    return set(consultation.asked.values_list("user_id", flat=True))


def to_step_four(world: World, consultation: Consultation) -> Consultation:
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        consultation = actions.move(actor=world.sam, consultation=consultation, step=step)
    return consultation


def test_asking_my_rope_reaches_my_rope_holders_and_sets_the_first_deadline(
    world: World,
) -> None:
    before = timezone.now()
    consultation = ask(world)
    assert (consultation.state, consultation.circle) == (State.REQUESTED, Circle.ROPE)
    assert asked_ids(consultation) == {world.jo.pk, world.morgan.pk}
    assert consultation.widen_at is not None
    assert timedelta(minutes=3) <= consultation.widen_at - before < timedelta(minutes=4)
    # The escalation engine holds the deadline: the rope's round, its step the team's wait.
    chain = Chain.objects.get(ladder=actions.LADDER, subject_id=consultation.pk)
    assert (chain.state, chain.round) == ("open", Circle.ROPE)
    due = list(chain.steps.values_list("due_at", flat=True))
    assert due == [consultation.widen_at]
    assert [e.action for e in audit_entries("thinking.requested")] == ["thinking.requested"]


def test_asking_anyone_available_reaches_available_teammates_only(world: World) -> None:
    for person in (world.morgan, world.alex, world.kim):
        people.set_availability(actor=person, status="available")
    people.set_availability(actor=world.jo, status="busy")
    people.set_availability(actor=world.priya, status="off_shift")
    consultation = ask(world, "team")
    assert asked_ids(consultation) == {world.morgan.pk, world.alex.pk}
    assert world.sam.pk not in asked_ids(consultation)
    assert world.kim.pk not in asked_ids(consultation)


def test_a_named_colleague_must_be_in_my_team(world: World) -> None:
    assert asked_ids(ask(world, "named")) == {world.priya.pk}
    with pytest.raises(NotFound):
        ask(world, "named", ask=Ask("named", world.kim.pk))
    with pytest.raises(InvalidInput):
        ask(world, "named", ask=Ask("named", world.sam.pk))
    with pytest.raises(InvalidInput) as error:
        ask(world, urgency="whenever")
    assert error.value.field == "urgency"


def test_circles_that_reach_nobody_are_skipped_up_to_the_duty_lead(world: World) -> None:
    # alex has no rope holders and nobody is available: the team lead is alerted at once.
    consultation = ask(world, actor=world.alex)
    assert (consultation.circle, asked_ids(consultation)) == (Circle.DUTY_LEAD, {world.priya.pk})
    people.set_availability(actor=world.morgan, status="available")
    consultation = ask(world, actor=world.alex)
    assert (consultation.circle, asked_ids(consultation)) == (Circle.TEAM, {world.morgan.pk})


def test_an_unanswered_request_widens_to_the_team_then_the_duty_lead_once_each(
    world: World,
) -> None:
    people.set_availability(actor=world.alex, status="available")
    consultation = ask(world)
    widened = actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.ROPE)
    assert widened is not None and widened.circle == Circle.TEAM
    assert world.alex.pk in asked_ids(consultation)
    # The same deadline firing again changes nothing.
    assert actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.ROPE) is None
    widened = actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.TEAM)
    assert widened is not None and widened.circle == Circle.DUTY_LEAD
    assert widened.widen_at is None  # the widest circle: it waits for someone to accept
    assert actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.DUTY_LEAD) is None
    assert len(audit_entries("thinking.widened")) == 2


def test_the_first_acceptance_wins_and_opens_a_conversation_for_chat(world: World) -> None:
    consultation = ask(world)
    accepted = actions.accept(actor=world.morgan, consultation=consultation)
    assert (accepted.state, accepted.helper_id, accepted.step) == (
        State.ACTIVE,
        world.morgan.pk,
        Step.MARK,
    )
    members = set(
        ConversationMember.objects.filter(conversation=accepted.conversation).values_list(
            "user_id", flat=True
        )
    )
    assert members == {world.sam.pk, world.morgan.pk}
    with pytest.raises(Conflict, match="already accepted"):
        actions.accept(actor=world.jo, consultation=consultation)
    # A deadline that fires after the acceptance does nothing.
    assert actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.ROPE) is None


def test_only_someone_asked_can_accept(world: World) -> None:
    consultation = ask(world)
    for outsider in (world.alex, world.kim):
        with pytest.raises(Forbidden):
            actions.accept(actor=outsider, consultation=consultation)
    assert Consultation.objects.get(pk=consultation.pk).state == State.REQUESTED


def test_when_everyone_asked_declines_it_widens_at_once(world: World) -> None:
    people.set_availability(actor=world.alex, status="available")
    consultation = ask(world)
    later = timezone.now() + timedelta(hours=1)
    actions.decline(actor=world.jo, consultation=consultation, reason="On a visit", later_at=later)
    assert Consultation.objects.get(pk=consultation.pk).circle == Circle.ROPE
    actions.decline(actor=world.morgan, consultation=consultation)
    assert Consultation.objects.get(pk=consultation.pk).circle == Circle.TEAM
    jo = consultation.asked.get(user=world.jo)
    assert (jo.reason, jo.later_at) == ("On a visit", later)


def test_the_help_seeker_can_cancel_and_nobody_else(world: World) -> None:
    consultation = ask(world)
    with pytest.raises(Forbidden):
        actions.cancel(actor=world.jo, consultation=consultation)
    assert actions.cancel(actor=world.sam, consultation=consultation).state == State.CANCELLED
    assert actions.widen_now(consultation_id=consultation.pk, from_circle=Circle.ROPE) is None


def test_steps_are_kept_in_order_and_the_outcome_closes_it_with_actions(world: World) -> None:
    consultation = actions.accept(actor=world.jo, consultation=ask(world))
    consultation = actions.move(actor=world.jo, consultation=consultation, step=Step.STATE)
    with pytest.raises(InvalidInput):
        actions.move(actor=world.jo, consultation=consultation, step=Step.RETURN)
    with pytest.raises(Conflict, match="step 4"):
        actions.record_outcome(
            actor=world.sam, consultation=consultation, met="yes", next_step="close"
        )
    consultation = actions.move(actor=world.sam, consultation=consultation, step=Step.MARK)
    consultation = to_step_four(world, consultation)
    due = timezone.now() + timedelta(days=1)
    closed = actions.record_outcome(
        actor=world.sam,
        consultation=consultation,
        met="partly",
        next_step="supervision",
        product="Visit with a colleague tomorrow",
        steadiness_after=7,
        notes="Felt pulled to go alone",
        actions=[Agreed(world.sam.pk, "Book the visit with jo", due)],
    )
    assert (closed.state, closed.met, closed.steadiness_after) == (State.CLOSED, "partly", 7)
    assert list(closed.steps.values_list("step", flat=True)) == [1, 2, 1, 2, 3, 4]
    assert [a.what for a in queries.open_actions(world.sam)] == ["Book the visit with jo"]
    # The notes are encrypted at rest.
    assert not database_contains("Felt pulled to go alone")


def test_the_outcome_is_the_help_seekers_to_record(world: World) -> None:
    consultation = to_step_four(world, actions.accept(actor=world.jo, consultation=ask(world)))
    with pytest.raises(Forbidden):
        actions.record_outcome(
            actor=world.jo, consultation=consultation, met="yes", next_step="close"
        )
    with pytest.raises(InvalidInput) as error:
        actions.record_outcome(
            actor=world.sam,
            consultation=consultation,
            met="yes",
            next_step="close",
            actions=[Agreed(world.kim.pk, "Something")],
        )
    assert error.value.field == "actions"
    assert (
        Consultation.objects.get(pk=consultation.pk).state == State.ACTIVE
    )  # nothing half-written


def test_an_emergency_next_step_alerts_the_duty_lead(world: World) -> None:
    consultation = to_step_four(world, actions.accept(actor=world.jo, consultation=ask(world)))
    actions.record_outcome(
        actor=world.sam, consultation=consultation, met="no", next_step="emergency"
    )
    (entry,) = audit_entries("thinking.emergency")
    assert entry.data["alerted"] == [world.priya.pk]  # no duty shift: the team lead


def test_inviting_widens_the_quorum_and_the_conversation(world: World) -> None:
    consultation = actions.accept(actor=world.jo, consultation=ask(world))
    actions.invite(actor=world.jo, consultation=consultation, colleague_id=world.priya.pk)
    members = set(
        ConversationMember.objects.filter(conversation=consultation.conversation).values_list(
            "user_id", flat=True
        )
    )
    assert world.priya.pk in members
    with pytest.raises(NotFound):
        actions.invite(actor=world.jo, consultation=consultation, colleague_id=world.kim.pk)
    actions.facilitate(actor=world.sam, consultation=consultation, facilitator_id=world.priya.pk)
    assert Consultation.objects.get(pk=consultation.pk).facilitator_id == world.priya.pk


def test_a_quick_record_is_a_closed_session_in_my_history(world: World) -> None:
    recorded = actions.quick_record(
        actor=world.sam,
        team=world.northside,
        helper_id=world.morgan.pk,
        task="steadier",
        mode="phone",
        met="yes",
        next_step="close",
        steadiness_before=3,
        steadiness_after=6,
    )
    assert (recorded.state, recorded.is_quick_record, recorded.step) == (State.CLOSED, True, 4)
    assert recorded in queries.history(world.morgan, world.northside)
    with pytest.raises(NotFound):
        actions.quick_record(
            actor=world.sam,
            team=world.northside,
            helper_id=world.kim.pk,
            task="steadier",
            mode="phone",
            met="yes",
            next_step="close",
        )


def test_the_leads_activity_has_figures_and_no_names(world: World) -> None:
    consultation = to_step_four(world, actions.accept(actor=world.jo, consultation=ask(world)))
    actions.record_outcome(
        actor=world.sam, consultation=consultation, met="yes", next_step="close", steadiness_after=8
    )
    ask(world)
    figures = queries.activity(world.northside)
    assert (figures.requested, figures.closed, figures.waiting) == (2, 1, 1)
    assert figures.by_met == {"yes": 1}
    assert figures.mean_steadiness_change == 4
    assert figures.median_response_seconds is not None


def test_reading_a_case_linked_session_is_audited_and_notes_stay_with_those_in_it(
    world: World,
) -> None:
    consultation = ask(world, case_id=world.sams_case.pk)
    detail = queries.view_consultation(viewer=world.jo, consultation=consultation)
    assert not detail.can_read_notes  # asked, not (yet) in it
    assert len(audit_entries("thinking.viewed")) == 1
    with pytest.raises(NotFound):
        ask(world, case_id=world.lees_case.pk)
