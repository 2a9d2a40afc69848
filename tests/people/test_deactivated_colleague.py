"""A deactivated colleague cannot be chosen, on any path that names a colleague by id.

These paths once checked membership with `current_membership(User(pk=id), ...)`: a `User`
made up from an id counts as active whatever the account says, so a colleague whose account
an admin had switched off could still be asked for help, handed a rope or sent a concern.
Each now goes through `people.access.active_members`, which reads the row.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from ropeteam.cases import actions as cases
from ropeteam.cases.models import Case
from ropeteam.concerns import actions as concerns
from ropeteam.concerns.actions import Statement
from ropeteam.concerns.models import Concern
from ropeteam.conversations import actions as conversations
from ropeteam.conversations.models import Conversation
from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people import actions as people
from ropeteam.people.access import active_members, is_active_member
from ropeteam.people.models import DutyShift, RopeHolder
from ropeteam.thinking import actions as thinking
from ropeteam.thinking.actions import Ask
from ropeteam.thinking.flow import Step
from ropeteam.thinking.models import Consultation
from ropeteam.visits import actions as visits
from ropeteam.visits.models import Visit
from tests.conftest import World


def _switch_off(world: World) -> None:
    people.set_account_active(
        actor=world.admin, organisation=world.organisation, user=world.alex, is_active=False
    )


def _ask_named(world: World, colleague_id: int) -> Consultation:
    return thinking.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=Ask("named", colleague_id),
    )


def _at_step_four(world: World) -> Consultation:
    row = thinking.accept(actor=world.jo, consultation=_ask_named(world, world.jo.pk))
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        row = thinking.move(actor=world.sam, consultation=row, step=step)
    return row


def _visit(world: World) -> Visit:
    return visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Park",
        expected_end=timezone.now() + timedelta(hours=1),
        rope_holder_id=world.jo.pk,
    )


# Each path, given the world and the colleague's id; and what it writes if it goes through.
PATHS: dict[str, tuple[Callable[[World, int], Any], type[Exception], Callable[[], int]]] = {
    "ask them to think together": (
        _ask_named,
        NotFound,
        Consultation.objects.count,
    ),
    "record a quick Thinking Together with them": (
        lambda w, i: thinking.quick_record(
            actor=w.sam,
            team=w.northside,
            helper_id=i,
            task="steadier",
            mode="phone",
            met="yes",
            next_step="close",
        ),
        NotFound,
        lambda: Consultation.objects.filter(is_quick_record=True).count(),
    ),
    "invite them into a session": (
        lambda w, i: thinking.invite(
            actor=w.jo,
            consultation=thinking.accept(actor=w.jo, consultation=_ask_named(w, w.jo.pk)),
            colleague_id=i,
        ),
        NotFound,
        lambda: Consultation.objects.filter(others__user__username="alex").count(),
    ),
    "widen the quorum to them at step 4": (
        lambda w, i: thinking.record_outcome(
            actor=w.sam,
            consultation=_at_step_four(w),
            met="yes",
            next_step="widen",
            invited_ids=[i],
        ),
        NotFound,
        lambda: Consultation.objects.filter(follows__isnull=False).count(),
    ),
    "raise a concern with them": (
        lambda w, i: concerns.raise_concern(
            actor=w.sam,
            team=w.northside,
            colleague_id=i,
            level="probe",
            statement=Statement(noticed="Late again", asking="Can we talk?"),
        ),
        NotFound,
        Concern.objects.count,
    ),
    "have them hold the rope on a visit": (
        lambda w, i: visits.start_visit(
            actor=w.sam,
            team=w.northside,
            location="Park",
            expected_end=timezone.now() + timedelta(hours=1),
            rope_holder_id=i,
        ),
        NotFound,
        Visit.objects.count,
    ),
    "hand the rope over to them": (
        lambda w, i: visits.hand_over(actor=w.jo, visit=_visit(w), to_id=i),
        NotFound,
        lambda: Visit.objects.filter(rope_holder__username="alex").count(),
    ),
    "make them a keyworker": (
        lambda w, i: cases.open_case(
            actor=w.priya,
            team=w.northside,
            reference="NS-9",
            initials="AB",
            age_band="15_17",
            risk_level="low",
            keyworker_ids=[i],
        ),
        InvalidInput,
        Case.objects.count,
    ),
    "make them a rope holder": (
        lambda w, i: people.set_rope_holders(
            actor=w.priya, team=w.northside, worker=w.sam, holders=[w.jo, w.alex]
        ),
        InvalidInput,
        lambda: RopeHolder.objects.filter(holder__username="alex").count(),
    ),
    "put them on the rota as duty lead": (
        lambda w, i: people.add_duty_shift(
            actor=w.priya,
            team=w.northside,
            lead=w.alex,
            starts_at=timezone.now(),
            ends_at=timezone.now() + timedelta(hours=8),
        ),
        InvalidInput,
        DutyShift.objects.count,
    ),
    "start a conversation with them": (
        lambda w, i: conversations.start_conversation(
            actor=w.sam, team=w.northside, member_ids=[i]
        ),
        InvalidInput,
        lambda: Conversation.objects.filter(participants__user__username="alex").count(),
    ),
}


@pytest.mark.parametrize("path", PATHS)
def test_a_deactivated_colleague_cannot_be_chosen(world: World, path: str) -> None:
    choose, refusal, written = PATHS[path]
    _switch_off(world)
    before = written()
    with pytest.raises(refusal):
        choose(world, world.alex.pk)
    assert written() == before


@pytest.mark.parametrize("path", PATHS)
def test_the_same_colleague_active_can_be_chosen(world: World, path: str) -> None:
    # The control: each path above refuses because the account is off, not for another reason.
    choose, _refusal, written = PATHS[path]
    before = written()
    choose(world, world.alex.pk)
    assert written() > before


def test_the_access_check_reads_the_account(world: World) -> None:
    ids = {world.alex.pk, world.jo.pk, world.kim.pk}
    assert active_members(world.northside.pk, ids) == {world.alex.pk, world.jo.pk}
    _switch_off(world)
    assert active_members(world.northside.pk, ids) == {world.jo.pk}
    assert not is_active_member(world.alex.pk, world.northside.pk)
