"""An urgent message left unread (issue 11): notified again after the team's wait, then shown
to the reader's rope holders and the duty lead until one of them says "I'll check on them".

In the test world jo and morgan hold sam's rope, priya leads Northside and nobody is on duty
(so the team lead stands in for the duty lead); morgan sends sam urgent messages.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.conversations import actions
from ropeteam.conversations.live import frames, store
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.errors import Conflict, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
from ropeteam.notify import urgent
from ropeteam.notify.flow import is_routine
from ropeteam.notify.models import UrgentCheck
from ropeteam.people import actions as people
from ropeteam.realtime.models import LiveEvent
from tests.api.conftest import Api, audit_entries, token_for
from tests.conftest import World

pytestmark = [pytest.mark.django_db, pytest.mark.hazard("H5")]

WAIT = timedelta(seconds=300)  # ROPETEAM_URGENT_AFTER_SECONDS' default
WORDS = "The flat on Dock St is not safe tonight"


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def direct(world: World) -> Conversation:
    conversation, _new = actions.start_conversation(
        actor=world.morgan, team=world.northside, member_ids=[world.sam.pk]
    )
    return conversation


@pytest.fixture
def group(world: World) -> Conversation:
    """morgan, sam and alex: alex holds nobody's rope and nobody holds his."""
    conversation, _new = actions.start_conversation(
        actor=world.morgan, team=world.northside, member_ids=[world.sam.pk, world.alex.pk]
    )
    return conversation


def send(world: World, conversation: Conversation, *, is_urgent: bool = True) -> Message:
    return actions.send_message(
        actor=world.morgan,
        conversation=conversation,
        client_id=uuid4(),
        body=WORDS,
        urgent=is_urgent,
    ).message


def read(user: Any, conversation: Conversation) -> None:
    participant = Participant.objects.get(conversation=conversation, user=user)
    actions.mark_receipt(actor=user, participant=participant, read=conversation.last_seq)


def alerts(kind: str) -> list[tuple[str, int, list[int], str]]:
    """(topic, about, people, path) of every push/e-mail of this kind waiting to be sent."""
    rows = DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").order_by(
        "enqueued_at"
    )
    return [
        (args[0], args[2], args[3], args[4])
        for args in (row.args_kwargs["args"] for row in rows)
        if args[1] == kind
    ]


def chain_of(message: Message) -> Chain:
    return Chain.objects.get(ladder=urgent.LADDER, subject_id=message.pk)


def home(world: World, user: Any) -> str:
    return str(world.client_for(user).get(reverse("web:home")).content.decode())


def run(after: timedelta, capture: Any = None) -> None:
    moment = timezone.now() + after + timedelta(seconds=1)
    if capture is None:
        engine.run_due(now=moment)
        return
    with capture(execute=True):
        engine.run_due(now=moment)


# --- opening ------------------------------------------------------------------------------


def test_an_urgent_message_opens_a_chain_and_a_normal_one_does_not(
    world: World, direct: Conversation
) -> None:
    normal = send(world, direct, is_urgent=False)
    marked = send(world, direct)

    assert not Chain.objects.filter(ladder=urgent.LADDER, subject_id=normal.pk).exists()
    chain = chain_of(marked)
    assert chain.state == ChainState.OPEN
    steps = list(chain.steps.order_by("position").values_list("due_at", flat=True))
    assert [at - marked.sent_at for at in steps] == pytest.approx(
        [WAIT, 2 * WAIT], abs=timedelta(seconds=2)
    )


def test_an_urgent_send_over_the_socket_opens_a_chain_in_the_writers_batch(
    world: World, direct: Conversation
) -> None:
    plain = (world.morgan.pk, frames.Send(direct.pk, uuid4(), "Hello"))
    marked = (world.morgan.pk, frames.Send(direct.pk, uuid4(), WORDS, urgent=True))

    store.write([plain, marked])

    urgent_ones = Message.objects.filter(conversation=direct, urgent=True)
    (message,) = urgent_ones
    assert list(
        Chain.objects.filter(ladder=urgent.LADDER).values_list("subject_id", flat=True)
    ) == [message.pk]


def test_the_team_lead_sets_the_wait_and_new_urgent_messages_keep_to_it(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    path = f"/teams/{world.northside.pk}/urgent-messages/wait"
    assert api("sam").get(path).json() == {"wait_seconds": 300}

    response = api("priya").put(path, {"wait_seconds": 5})

    assert (response.status_code, response.json()) == (200, {"wait_seconds": 5})
    (entry,) = audit_entries("notify.urgent_wait_set")
    assert entry.data == {"wait_seconds": 5}
    message = send(world, direct)
    first = chain_of(message).steps.order_by("position").first()
    assert first is not None
    assert first.due_at - message.sent_at == pytest.approx(
        timedelta(seconds=5), abs=timedelta(seconds=2)
    )


def test_only_a_lead_sets_the_wait_and_only_to_a_second_up_to_a_day(
    world: World, api: Callable[[str], Api]
) -> None:
    path = f"/teams/{world.northside.pk}/urgent-messages/wait"

    assert api("sam").put(path, {"wait_seconds": 5}).status_code == 403
    for bad in (0, 86401, "soon"):
        response = api("priya").put(path, {"wait_seconds": bad})
        assert (response.status_code, response.json()["field"]) == (422, "wait_seconds")
    assert api("priya").get(path).json() == {"wait_seconds": 300}


# --- step 0: the readers again ------------------------------------------------------------


def test_after_the_wait_only_those_who_have_not_read_it_are_notified_again(
    world: World, group: Conversation
) -> None:
    message = send(world, group)
    read(world.sam, group)

    run(WAIT)

    assert alerts("urgent_unread") == [
        (f"urgent:{message.pk}:0", world.morgan.pk, [world.alex.pk], f"/conversations/{group.pk}/")
    ]
    assert alerts("urgent_escalated") == []


def test_urgent_alerts_are_never_held_for_quiet_hours() -> None:
    assert not is_routine("urgent_unread")
    assert not is_routine("urgent_escalated")


# --- step 1: those who hold the reader's rope ---------------------------------------------


def test_then_the_readers_rope_holders_and_the_duty_lead_are_told_without_the_words(
    world: World, direct: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    message = send(world, direct)
    run(WAIT)
    cursor = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    run(2 * WAIT, django_capture_on_commit_callbacks)

    # jo holds sam's rope (morgan does too, but sent it); priya leads, nobody is on duty.
    told = sorted([world.jo.pk, world.priya.pk])
    check = UrgentCheck.objects.get(message=message, reader=world.sam)
    assert check.told == told
    assert alerts("urgent_escalated") == [(f"urgent-unread:{check.pk}:1", world.sam.pk, told, "/")]
    (event,) = [
        e.payload
        for e in LiveEvent.objects.filter(pk__gt=cursor)
        if '"urgent"' in e.payload["frame"]
    ]
    assert event["audiences"][0][2] == told or sorted(event["audiences"][0][2]) == told
    assert WORDS not in str(event)
    for person in (world.jo, world.priya):
        page = home(world, person)
        assert "Unread urgent message from Morgan to Sam" in page
        assert "I’ll check on Sam" in page or "I'll check on Sam" in page
        assert WORDS not in page
        assert f"/conversations/{direct.pk}/" not in page  # no way into what they are not in
    for other in (world.alex, world.sam, world.morgan, world.kim):
        assert "Unread urgent message" not in home(world, other)


def test_with_a_duty_lead_on_shift_the_duty_lead_is_told_rather_than_the_team_lead(
    world: World, direct: Conversation
) -> None:
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.alex,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=4),
    )
    message = send(world, direct)

    run(2 * WAIT)

    assert UrgentCheck.objects.get(message=message).told == sorted([world.jo.pk, world.alex.pk])


def test_nobody_acknowledging_keeps_telling_them(world: World, direct: Conversation) -> None:
    message = send(world, direct)

    for n in range(2, 6):
        run(n * WAIT)

    check = UrgentCheck.objects.get(message=message)
    assert [topic for topic, *_ in alerts("urgent_escalated")] == [
        f"urgent-unread:{check.pk}:{position}" for position in range(1, 5)
    ]
    assert chain_of(message).state == ChainState.OPEN


# --- reading ends it ----------------------------------------------------------------------


def test_reading_it_before_the_wait_cancels_the_chain_and_nobody_is_told(
    world: World, direct: Conversation
) -> None:
    message = send(world, direct)
    read(world.sam, direct)

    run(WAIT)
    run(2 * WAIT)

    assert alerts("urgent_unread") == alerts("urgent_escalated") == []
    assert chain_of(message).state == ChainState.CANCELLED


def test_reading_it_after_the_rope_holders_were_told_takes_it_off_their_screens(
    world: World, direct: Conversation
) -> None:
    message = send(world, direct)
    run(WAIT)
    run(2 * WAIT)
    assert "Unread urgent message" in home(world, world.jo)

    read(world.sam, direct)

    assert "Unread urgent message" not in home(world, world.jo)  # at once, on the next page
    run(3 * WAIT)
    assert len(alerts("urgent_escalated")) == 1  # nothing more is sent about sam
    assert chain_of(message).state == ChainState.CANCELLED
    assert UrgentCheck.objects.get(message=message).ended_at is not None


def test_in_a_group_only_the_reader_still_unread_is_mentioned(
    world: World, group: Conversation
) -> None:
    message = send(world, group)
    run(WAIT)
    read(world.sam, group)

    run(2 * WAIT)

    (check,) = UrgentCheck.objects.filter(message=message)
    assert check.reader_id == world.alex.pk
    assert check.told == [world.priya.pk]  # nobody holds alex's rope: the team lead
    assert "Unread urgent message from Morgan to Alex" in home(world, world.priya)
    assert "Unread urgent message" not in home(world, world.jo)


# --- "I'll check on them" -----------------------------------------------------------------


def test_ill_check_on_them_stops_the_repeats_and_takes_it_off_the_others_screens(
    world: World, direct: Conversation, django_capture_on_commit_callbacks: Any
) -> None:
    message = send(world, direct)
    run(WAIT)
    run(2 * WAIT)
    check = UrgentCheck.objects.get(message=message)
    cursor = LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    with django_capture_on_commit_callbacks(execute=True):
        response = world.client_for(world.jo).post(
            reverse("web:urgent_acknowledge", args=[check.pk]), {"next": "/"}
        )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.acknowledged_by_id == world.jo.pk
    (entry,) = audit_entries("notify.urgent_acknowledged")
    assert entry.actor_id == world.jo.pk
    chain = chain_of(message)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.jo.pk)
    frames_sent = [e.payload["frame"] for e in LiveEvent.objects.filter(pk__gt=cursor)]
    assert any('"acknowledged"' in f for f in frames_sent)
    assert "Unread urgent message" not in home(world, world.priya)
    run(10 * WAIT)
    assert len(alerts("urgent_escalated")) == 1
    # The same press again is the same acknowledgement; another says who has it.
    urgent.acknowledge(actor=world.jo, check_id=check.pk)
    with pytest.raises(Conflict, match=r"Jo is already checking on Sam\."):
        urgent.acknowledge(actor=world.priya, check_id=check.pk)


def test_only_those_told_can_acknowledge_everyone_else_gets_404(
    world: World, direct: Conversation, api: Callable[[str], Api]
) -> None:
    message = send(world, direct)
    run(WAIT)
    run(2 * WAIT)
    check = UrgentCheck.objects.get(message=message)

    for other in (world.sam, world.morgan, world.alex, world.kim, world.lee):
        with pytest.raises(NotFound):
            urgent.acknowledge(actor=other, check_id=check.pk)
        web = world.client_for(other).post(reverse("web:urgent_acknowledge", args=[check.pk]))
        assert web.status_code == 404
        answer = api(other.username).post(f"/urgent-messages/{check.pk}/acknowledge", {})
        assert (answer.status_code, answer.json()) == (404, {"detail": "No such urgent message."})
    check.refresh_from_db()
    assert check.acknowledged_by_id is None
    assert chain_of(message).state == ChainState.OPEN


def test_the_api_lists_it_for_those_told_and_takes_their_acknowledgement(
    world: World, direct: Conversation, api: Callable[[str], Api]
) -> None:
    message = send(world, direct)
    run(WAIT)
    run(2 * WAIT)
    check = UrgentCheck.objects.get(message=message)

    (listed,) = api("priya").get("/me/urgent-messages").json()

    assert listed["id"] == check.pk
    assert (listed["sender_name"], listed["reader_name"]) == ("Morgan", "Sam")
    assert WORDS not in str(listed) and "conversation" not in str(listed)
    assert api("alex").get("/me/urgent-messages").json() == []
    taken = api("priya").post(f"/urgent-messages/{check.pk}/acknowledge", {})
    assert (taken.status_code, taken.json()["acknowledged_by_id"]) == (200, world.priya.pk)
    assert api("jo").get("/me/urgent-messages").json() == []
