"""Next steps that act (issue 11): widening the quorum at step 4 brings the chosen colleagues
in at once, and the thinking carries on with them in a follow-up.

sam asks, jo helps; morgan and alex are brought in; kim is in another team.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from ropeteam.conversations.models import Participant as ConversationMember
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.realtime import publish as publishing
from ropeteam.realtime.events import Publishable
from ropeteam.thinking import actions, queries
from ropeteam.thinking.access import access_consultation
from ropeteam.thinking.events import ThinkingChanged
from ropeteam.thinking.flow import State, Step
from ropeteam.thinking.models import Consultation, Participant
from tests.api.conftest import audit_entries
from tests.conftest import World
from tests.thinking.test_actions import ask, to_step_four

pytestmark = pytest.mark.django_db


def _at_step_four(world: World) -> Consultation:
    return to_step_four(world, actions.accept(actor=world.jo, consultation=ask(world)))


def _alerts(kind: str) -> list[tuple[str, int, list[int], str]]:
    """(topic, about, people, path) of each alert of this kind waiting to be sent."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at"
    )
    return [
        (args[0], args[2], args[3], args[4])
        for args in (row.args_kwargs["args"] for row in rows)
        if args[1] == kind
    ]


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[set[int], dict[str, Any]]]:
    """The `thinking` events sent to sockets once the transaction commits: (people, event)."""
    sent: list[tuple[set[int], dict[str, Any]]] = []

    def publish(event: Publishable) -> None:
        if isinstance(event, ThinkingChanged):
            sent.append((set(event.audience.user_ids), event.wire()))

    monkeypatch.setattr(publishing, "publish", publish)
    return sent


def test_widening_brings_in_exactly_the_chosen_and_carries_on_with_them(
    world: World,
    told: list[tuple[set[int], dict[str, Any]]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    consultation = _at_step_four(world)
    chat = consultation.conversation_id
    with django_capture_on_commit_callbacks(execute=True):
        closed = actions.record_outcome(
            actor=world.sam,
            consultation=consultation,
            met="no",
            next_step="widen",
            invited_ids=[world.morgan.pk, world.alex.pk],
        )
    # This one keeps its outcome; the thinking carries on at once, from step 1.
    assert (closed.state, closed.next_step) == (State.CLOSED, "widen")
    follow = queries.follow_up_of(closed)
    assert follow is not None
    assert (follow.state, follow.step, follow.follows_id) == (State.ACTIVE, Step.MARK, closed.pk)
    assert (follow.seeker_id, follow.helper_id) == (world.sam.pk, world.jo.pk)
    assert (follow.task, follow.task_note) == (closed.task, closed.task_note)
    invited = {world.morgan.pk, world.alex.pk}
    others = Participant.objects.filter(consultation=follow)
    assert {p.user_id for p in others} == invited
    assert {p.invited_by_id for p in others} == {world.sam.pk}
    # The chat moves on with it, and those brought in join it.
    assert (follow.conversation_id, Consultation.objects.get(pk=closed.pk).conversation_id) == (
        chat,
        None,
    )
    members = set(
        ConversationMember.objects.filter(conversation_id=chat).values_list("user_id", flat=True)
    )
    assert members == {world.sam.pk, world.jo.pk, *invited}
    # Each is told live and by push or e-mail, in sam's name; nobody else is.
    assert (invited | {world.sam.pk, world.jo.pk}, "invited") in [
        (ids, event["event"]) for ids, event in told if event["consultation"] == follow.pk
    ]
    assert _alerts("thinking_invited") == [
        (
            f"thinking-invited:{follow.pk}",
            world.sam.pk,
            sorted(invited),
            f"/thinking/{follow.pk}/",
        )
    ]
    (entry,) = audit_entries("thinking.widen")
    assert entry.data == {"follow_up": follow.pk, "invited": sorted(invited)}
    # Those brought in may open the follow-up, not the round before it (unless asked then:
    # morgan holds sam's rope).
    assert access_consultation(world.alex, follow.pk) == follow
    with pytest.raises(NotFound):
        access_consultation(world.alex, closed.pk)
    assert [p.consultation for p in queries.invitations(world.alex, world.northside)] == [follow]


def test_widening_to_someone_outside_the_team_is_a_404_and_writes_nothing(world: World) -> None:
    consultation = _at_step_four(world)
    with pytest.raises(NotFound) as error:
        actions.record_outcome(
            actor=world.sam,
            consultation=consultation,
            met="no",
            next_step="widen",
            invited_ids=[world.morgan.pk, world.kim.pk],
        )
    assert error.value.field == "invited_ids"
    row = Consultation.objects.get(pk=consultation.pk)
    assert (row.state, row.next_step) == (State.ACTIVE, "")
    assert Consultation.objects.count() == 1
    assert not Participant.objects.exists()
    assert audit_entries("thinking.closed") == []
    assert _alerts("thinking_invited") == []


def test_widening_needs_at_least_one_colleague_not_already_in(world: World) -> None:
    consultation = _at_step_four(world)
    with pytest.raises(InvalidInput, match="Choose at least one colleague") as empty:
        actions.record_outcome(
            actor=world.sam, consultation=consultation, met="no", next_step="widen"
        )
    assert empty.value.field == "invited_ids"
    with pytest.raises(Conflict, match="already in"):
        actions.record_outcome(
            actor=world.sam,
            consultation=consultation,
            met="no",
            next_step="widen",
            invited_ids=[world.jo.pk],
        )
    with pytest.raises(InvalidInput, match="only when widening"):
        actions.record_outcome(
            actor=world.sam,
            consultation=consultation,
            met="no",
            next_step="close",
            invited_ids=[world.morgan.pk],
        )
    assert Consultation.objects.get(pk=consultation.pk).state == State.ACTIVE


def test_inviting_during_a_session_tells_the_colleague_by_push_in_the_inviters_name(
    world: World,
) -> None:
    consultation = actions.accept(actor=world.jo, consultation=ask(world))
    actions.invite(actor=world.jo, consultation=consultation, colleague_id=world.priya.pk)
    assert _alerts("thinking_invited") == [
        (
            f"thinking-invited:{consultation.pk}",
            world.jo.pk,
            [world.priya.pk],
            f"/thinking/{consultation.pk}/",
        )
    ]
    (joined,) = queries.invitations(world.priya, world.northside)
    assert (joined.consultation_id, joined.invited_by_id) == (consultation.pk, world.jo.pk)
