"""Concerns through the actions: raising, responding, re-sending, escalating, resolving.

alex (newly qualified) raises concerns with morgan (senior); priya leads Northside; sam and
jo are third colleagues; kim leads Riverside; admin runs the organisation.
"""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.audit.models import AuditEntry
from ropeteam.concerns import actions, queries
from ropeteam.concerns.access import access_concern
from ropeteam.concerns.actions import Statement
from ropeteam.concerns.flow import Level, State
from ropeteam.concerns.models import Concern, Direction, Entry
from ropeteam.conversations.models import Participant as ConversationMember
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState, StepState
from ropeteam.escalation.models import Chain, Step
from ropeteam.people import actions as people
from ropeteam.thinking.flow import State as ThinkingState
from tests.api.conftest import audit_entries, database_contains
from tests.conftest import World

SAID = Statement(
    noticed="The visit plan for Friday has no second worker",
    matters="I worry about you going alone to that address",
    suggest="Could we pair up?",
    asking="Can we talk it through today?",
)


def raise_one(world: World, level: str = "probe", **changes: object) -> Concern:
    fields: dict[str, object] = {
        "actor": world.alex,
        "team": world.northside,
        "colleague_id": world.morgan.pk,
        "level": level,
        "statement": SAID,
    }
    return actions.raise_concern(**(fields | changes))  # type: ignore[arg-type]


def fire(concern: Concern) -> str:
    """Run the concern's next step as the worker would once its time has passed: what it did
    ("resent", "escalated", "reminded"; "" when nothing of the concern's was due)."""
    due = engine.next_due(ladder=actions.LADDER, subject_id=concern.pk)
    if due is None:
        return ""
    said = _deadline_audit(concern)
    engine.run_due(now=due)
    new = _deadline_audit(concern)[len(said) :]
    return new[-1].removeprefix("concerns.") if new else ""


def _deadline_audit(concern: Concern) -> list[str]:
    steps = ["concerns.resent", "concerns.escalated", "concerns.reminded"]
    return list(
        AuditEntry.objects.filter(
            action__in=steps, target_type="concerns.concern", target_id=str(concern.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def chain_of(concern: Concern) -> Chain:
    """The concern's latest chain on the escalation engine."""
    return Chain.objects.filter(ladder=actions.LADDER, subject_id=concern.pk).latest("pk")


def steps_of(chain: Chain) -> list[tuple[int, str, bool]]:
    return list(chain.steps.order_by("position").values_list("position", "state", "is_repeat"))


def kinds(concern: Concern) -> list[str]:
    return list(concern.entries.values_list("kind", flat=True))


def test_a_probe_reaches_the_colleague_with_a_deadline_and_stays_between_the_two(
    world: World,
) -> None:
    before = timezone.now()
    concern = raise_one(world)
    assert (concern.level, concern.state) == (Level.PROBE, State.RAISED)
    assert concern.escalate_to_id == world.priya.pk
    assert concern.escalated_at is None
    assert concern.direction == Direction.UPWARD
    assert concern.due_at is not None
    assert timedelta(hours=23) < concern.due_at - before <= timedelta(hours=24, seconds=5)
    # Its deadline is a chain on the escalation engine: the re-send, whose repeats (each a
    # full wait after the one before fired) escalate it, then alert the lead again.
    chain = chain_of(concern)
    assert (chain.round, chain.state, chain.repeat_seconds) == (1, ChainState.OPEN, 24 * 3600)
    dues = list(chain.steps.order_by("position").values_list("due_at", flat=True))
    assert dues == [concern.due_at]
    members = set(
        ConversationMember.objects.filter(conversation=concern.conversation).values_list(
            "user_id", flat=True
        )
    )
    assert members == {world.alex.pk, world.morgan.pk}
    assert kinds(concern) == ["raised"]
    assert [e.action for e in audit_entries("concerns.raised")] == ["concerns.raised"]


def test_the_words_of_a_concern_are_encrypted_at_rest(world: World) -> None:
    raise_one(world)
    assert database_contains("second worker") == []
    assert database_contains("going alone") == []


def test_unanswered_it_is_resent_once_then_escalated_to_the_lead(world: World) -> None:
    concern = raise_one(world)
    assert fire(concern) == "resent"
    concern.refresh_from_db()
    assert concern.escalated_at is None and concern.resent
    # Morgan gets the full time again from the re-send, however late it fired.
    resent, escalation = chain_of(concern).steps.order_by("position")
    assert resent.fired_at is not None
    assert concern.due_at == escalation.due_at == resent.fired_at + timedelta(hours=24)
    assert fire(concern) == "escalated"
    concern.refresh_from_db()
    assert concern.escalated_at is not None
    assert kinds(concern) == ["raised", "resent", "escalated"]
    assert access_concern(world.priya, concern.pk) == concern
    in_chat = ConversationMember.objects.filter(conversation=concern.conversation)
    assert world.priya.pk in set(in_chat.values_list("user_id", flat=True))


def _alerts(topic_start: str) -> list[tuple[str, str, list[int]]]:
    """Alerts enqueued whose topic starts so: (topic, kind, to whom)."""
    found = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at", "id"
    )
    return [
        (t.args_kwargs["args"][0], t.args_kwargs["args"][1], t.args_kwargs["args"][3])
        for t in found
        if str(t.args_kwargs["args"][0]).startswith(topic_start)
    ]


@pytest.mark.hazard("H3")
def test_once_escalated_the_lead_is_alerted_again_until_she_is_on_it(world: World) -> None:
    concern = raise_one(world, level="challenge")  # an hour at Challenge
    assert fire(concern) == "resent"
    assert fire(concern) == "escalated"
    # No chain ends in silence: an hour later, and every hour after, priya is alerted again.
    reminders = [fire(concern) for _ in range(3)]
    assert reminders == ["reminded"] * 3
    chain = chain_of(concern)
    assert steps_of(chain) == [
        (0, StepState.FIRED, False),
        (1, StepState.FIRED, True),
        (2, StepState.FIRED, True),
        (3, StepState.FIRED, True),
        (4, StepState.FIRED, True),
        (5, StepState.PENDING, True),
    ]
    fired = list(chain.steps.order_by("position").values_list("fired_at", flat=True))[:5]
    assert [b - a for a, b in pairwise(fired)] == [timedelta(hours=1)] * 4
    # Each reminder is a topic of its own, so each is pushed (or e-mailed) again.
    again = _alerts(f"concern:{concern.pk}:1:concern_escalated")
    assert again == [
        (f"concern:{concern.pk}:1:concern_escalated", "concern_escalated", [world.priya.pk]),
        *[
            (
                f"concern:{concern.pk}:1:concern_escalated:again:{n}",
                "concern_escalated",
                [world.priya.pk],
            )
            for n in (2, 3, 4)
        ],
    ]
    assert kinds(concern) == ["raised", "resent", "escalated"]  # reminders are not the exchange
    with pytest.raises(Forbidden):
        actions.take_on(actor=world.morgan, concern=concern)

    actions.take_on(actor=world.priya, concern=concern)

    chain.refresh_from_db()
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.priya.pk)
    assert engine.run_due(now=timezone.now() + timedelta(days=30)) == 0
    assert [e.actor_id for e in audit_entries("concerns.taken_on")] == [world.priya.pk]
    actions.take_on(actor=world.priya, concern=concern)  # a second press changes nothing
    assert len(audit_entries("concerns.taken_on")) == 1


@pytest.mark.hazard("H3")
def test_a_concern_escalated_at_once_keeps_alerting_the_lead_until_the_colleague_answers(
    world: World,
) -> None:
    concern = raise_one(world, level="escalate")
    assert [fire(concern) for _ in range(3)] == ["resent", "reminded", "reminded"]
    actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Sorry")
    chain = chain_of(concern)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.morgan.pk)
    with pytest.raises(Conflict):
        actions.take_on(actor=world.priya, concern=concern)
    assert engine.run_due(now=timezone.now() + timedelta(days=30)) == 0


@pytest.mark.hazard("H1")
def test_resolving_cancels_the_chain_and_nothing_fires_after(world: World) -> None:
    concern = raise_one(world, level="alert")
    assert fire(concern) == "resent"
    actions.resolve(actor=world.alex, concern=concern, resolution="resolved", text="Sorted")
    chain = chain_of(concern)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.CANCELLED, None)
    assert steps_of(chain) == [(0, StepState.FIRED, False), (1, StepState.CANCELLED, True)]
    assert engine.run_due(now=timezone.now() + timedelta(days=30)) == 0
    concern.refresh_from_db()
    assert (concern.escalated_at, concern.due_at) == (None, None)
    assert kinds(concern) == ["raised", "resent", "resolved"]
    assert not Step.objects.filter(state=StepState.PENDING).exists()


def test_a_step_that_is_not_due_or_of_an_old_round_does_nothing(world: World) -> None:
    concern = raise_one(world)
    assert engine.run_due() == 0  # not due yet
    assert fire(concern) == "resent"
    actions.step_up(actor=world.alex, concern=concern, statement=Statement(asking="Please"))
    concern.refresh_from_db()
    # The round before is cancelled as a whole: its escalation never fires.
    first, second = Chain.objects.filter(subject_id=concern.pk).order_by("round")
    assert (first.round, first.state, second.round) == (1, ChainState.CANCELLED, 2)
    assert steps_of(first) == [(0, StepState.FIRED, False), (1, StepState.CANCELLED, True)]
    assert (
        actions.unanswered_now(concern_id=concern.pk, round_=1, position=1, at=timezone.now()) == ""
    )  # a step of the old round that raced the step up
    assert kinds(concern) == ["raised", "resent", "stepped_up"]
    assert concern.due_at == second.steps.get(position=0).due_at


def test_an_answer_stops_the_clock(world: World) -> None:
    concern = raise_one(world)
    actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Yes, let's")
    concern.refresh_from_db()
    assert (concern.state, concern.due_at) == (State.RESPONDED, None)
    assert concern.first_response_at is not None
    chain = chain_of(concern)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.morgan.pk)
    assert {state for _p, state, _r in steps_of(chain)} == {StepState.CANCELLED}
    assert engine.run_due(now=timezone.now() + timedelta(days=30)) == 0
    assert fire(concern) == ""
    concern.refresh_from_db()
    assert concern.escalated_at is None


def test_accepting_a_thinking_together_starts_one_between_the_two(world: World) -> None:
    concern = raise_one(world, case_id=None)
    actions.respond(actor=world.morgan, concern=concern, response="think_together")
    concern.refresh_from_db()
    consultation = concern.consultation
    assert consultation is not None
    assert (consultation.seeker_id, consultation.helper_id) == (world.alex.pk, world.morgan.pk)
    assert consultation.state == ThinkingState.ACTIVE
    with pytest.raises(Conflict):
        actions.respond(actor=world.morgan, concern=concern, response="think_together")


def test_only_the_colleague_responds_and_only_the_raiser_steps_up_or_resolves(
    world: World,
) -> None:
    concern = raise_one(world)
    with pytest.raises(Forbidden):
        actions.respond(actor=world.alex, concern=concern, response="acknowledge", text="x")
    with pytest.raises(Forbidden):
        actions.step_up(actor=world.morgan, concern=concern, statement=Statement(asking="x"))
    with pytest.raises(Forbidden):
        actions.resolve(actor=world.morgan, concern=concern, resolution="resolved")
    assert kinds(concern) == ["raised"]


def test_a_reply_is_needed_unless_accepting_to_think_together(world: World) -> None:
    concern = raise_one(world)
    with pytest.raises(InvalidInput) as error:
        actions.respond(actor=world.morgan, concern=concern, response="see_differently")
    assert error.value.field == "text"
    with pytest.raises(InvalidInput):
        actions.respond(actor=world.morgan, concern=concern, response="shrug", text="x")
    assert Concern.objects.get(pk=concern.pk).state == State.RAISED


def test_raising_needs_what_i_noticed_and_what_i_ask_and_a_colleague_in_the_team(
    world: World,
) -> None:
    with pytest.raises(InvalidInput) as error:
        raise_one(world, statement=Statement(asking="Talk?"))
    assert error.value.field == "noticed"
    with pytest.raises(InvalidInput) as error:
        raise_one(world, statement=Statement(noticed="x"))
    assert error.value.field == "asking"
    with pytest.raises(InvalidInput):
        raise_one(world, colleague_id=world.alex.pk)
    with pytest.raises(NotFound):
        raise_one(world, colleague_id=world.kim.pk)
    with pytest.raises(InvalidInput) as error:
        raise_one(world, level="shout")
    assert error.value.field == "level"
    with pytest.raises(NotFound):
        raise_one(world, case_id=world.lees_case.pk)
    assert not Concern.objects.exists()
    assert not Entry.objects.exists()


def test_at_escalate_it_goes_to_the_lead_at_once(world: World) -> None:
    concern = raise_one(world, level="escalate")
    assert concern.escalated_at is not None
    assert kinds(concern) == ["raised", "escalated"]
    alerts = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert")
    told = [(t.args_kwargs["args"][1], t.args_kwargs["args"][3]) for t in alerts]
    assert ("concern_escalated", [world.priya.pk]) in told


def test_the_two_challenge_rule_takes_it_to_the_lead(world: World) -> None:
    concern = raise_one(world, level="alert")
    actions.respond(actor=world.morgan, concern=concern, response="see_differently", text="No")
    actions.step_up(actor=world.alex, concern=concern, statement=Statement(asking="Please stop"))
    concern.refresh_from_db()
    assert (concern.level, concern.challenges, concern.escalated_at) == (Level.CHALLENGE, 1, None)
    actions.respond(actor=world.morgan, concern=concern, response="see_differently", text="No")
    actions.challenge_again(
        actor=world.alex, concern=concern, statement=Statement(matters="It is a safety issue")
    )
    concern.refresh_from_db()
    assert concern.challenges == 2
    assert concern.escalated_at is not None
    assert kinds(concern) == [
        "raised",
        "responded",
        "stepped_up",
        "responded",
        "challenged",
        "escalated",
    ]


def test_it_goes_to_whoever_leads_the_team_when_it_is_escalated(world: World) -> None:
    concern = raise_one(world)
    # Before its deadlines pass, kim takes over as Northside's lead and priya leaves.
    people.add_member(
        actor=world.admin, team=world.northside, user=world.kim, role="lead", grade="team_lead"
    )
    leaving = world.northside.memberships.get(user=world.priya, removed_at__isnull=True)
    people.remove_member(actor=world.admin, membership=leaving)
    fire(concern)
    assert fire(concern) == "escalated"
    concern.refresh_from_db()
    assert concern.escalate_to_id == world.kim.pk
    assert access_concern(world.kim, concern.pk) == concern
    with pytest.raises(NotFound):
        access_concern(world.priya, concern.pk)  # no longer in the team, never told
    assert [e.data["to"] for e in audit_entries("concerns.escalated")] == [world.kim.pk]


def test_a_concern_about_the_lead_goes_to_the_next_person_up(world: World) -> None:
    with pytest.raises(NotFound):
        actions.set_times(
            actor=world.priya,
            team=world.northside,
            answer_within=dict(actions.DEFAULT_TIMES),
            next_up_id=world.sam.pk,  # in the team, not above it
        )
    actions.set_times(
        actor=world.priya,
        team=world.northside,
        answer_within=dict(actions.DEFAULT_TIMES),
        next_up_id=world.kim.pk,
    )
    concern = raise_one(world, colleague_id=world.priya.pk, level="escalate")
    assert concern.escalate_to_id == world.kim.pk
    assert access_concern(world.kim, concern.pk) == concern
    assert list(queries.mine(world.kim)) == [concern]


def test_without_a_next_person_up_a_concern_about_the_lead_goes_to_an_admin(
    world: World,
) -> None:
    concern = raise_one(world, colleague_id=world.priya.pk)
    assert concern.escalate_to_id == world.admin.pk
    mine = raise_one(world, actor=world.priya, colleague_id=world.sam.pk)
    assert mine.escalate_to_id == world.admin.pk
    assert mine.direction == Direction.DOWNWARD


def test_only_the_lead_sets_the_times(world: World) -> None:
    with pytest.raises(Forbidden):
        actions.set_times(
            actor=world.morgan,
            team=world.northside,
            answer_within=dict(actions.DEFAULT_TIMES),
            next_up_id=None,
        )
    with pytest.raises(InvalidInput):
        actions.set_times(
            actor=world.priya,
            team=world.northside,
            answer_within={Level.PROBE: timedelta(seconds=5)},
            next_up_id=None,
        )


def test_the_raiser_resolves_and_nothing_changes_after(world: World) -> None:
    concern = raise_one(world)
    actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Agreed")
    actions.resolve(actor=world.alex, concern=concern, resolution="changed", text="We pair now")
    concern.refresh_from_db()
    assert (concern.state, concern.resolution) == (State.RESOLVED, "changed")
    assert concern.escalated_at is None
    with pytest.raises(Conflict):
        actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="x")
    with pytest.raises(Conflict):
        actions.step_up(actor=world.alex, concern=concern, statement=Statement(asking="x"))


def test_not_resolved_and_escalated_takes_it_to_the_lead(world: World) -> None:
    concern = raise_one(world)
    actions.resolve(actor=world.alex, concern=concern, resolution="escalated")
    concern.refresh_from_db()
    assert concern.escalated_at is not None
    assert access_concern(world.priya, concern.pk) == concern


def test_a_third_colleague_and_the_lead_before_escalation_cannot_see_it(world: World) -> None:
    concern = raise_one(world, case_id=world.sams_case.pk, actor=world.sam)
    for outsider in (world.jo, world.alex, world.priya, world.dee, world.kim, world.admin):
        with pytest.raises(NotFound) as error:
            access_concern(outsider, concern.pk)
        assert str(error.value) == str(NotFound("No such concern."))
        assert list(queries.mine(outsider)) == []
        assert list(queries.waiting_for(outsider)) == []
    assert list(queries.waiting_for(world.morgan)) == [concern]


def test_a_colleague_who_left_the_team_no_longer_sees_it(world: World) -> None:
    concern = raise_one(world)
    membership = world.northside.memberships.get(user=world.morgan, removed_at__isnull=True)
    people.remove_member(actor=world.admin, membership=membership)
    with pytest.raises(NotFound):
        access_concern(world.morgan, concern.pk)


def test_reading_a_case_linked_concern_is_audited(world: World) -> None:
    concern = raise_one(world, actor=world.sam, case_id=world.sams_case.pk)
    queries.view_concern(viewer=world.morgan, concern=concern)
    assert [e.actor_id for e in audit_entries("concerns.viewed")] == [world.morgan.pk]


def test_the_next_person_up_loses_sight_of_it_once_no_longer_above_the_team(
    world: World,
) -> None:
    actions.set_times(
        actor=world.priya,
        team=world.northside,
        answer_within=dict(actions.DEFAULT_TIMES),
        next_up_id=world.kim.pk,
    )
    concern = raise_one(world, colleague_id=world.priya.pk, level="escalate")
    assert access_concern(world.kim, concern.pk) == concern
    people.change_member(
        actor=world.admin,
        membership=world.riverside.memberships.get(user=world.lee),
        role="lead",
        grade="team_lead",
    )
    people.remove_member(
        actor=world.admin, membership=world.riverside.memberships.get(user=world.kim)
    )
    with pytest.raises(NotFound):
        access_concern(world.kim, concern.pk)
    assert list(queries.mine(world.kim)) == []
