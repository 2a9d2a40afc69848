"""Unread messages reach people's phones (Web Push) or, failing that, their inbox.

Messages are sent through the HTTP API, the deadline task runs in django-tasks' database
worker, pushes go to a real push service on 127.0.0.1 that verifies the VAPID token and
decrypts the payload as the browser would, and e-mail goes to a real SMTP server.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.conversations import actions as conversations
from ropeteam.conversations.models import Conversation
from ropeteam.notify import tasks
from ropeteam.notify.models import Delivery
from ropeteam.people import actions as people
from ropeteam.people.models import Membership, User
from tests.api.conftest import Api
from tests.conftest import World
from tests.notify.conftest import (
    MailServer,
    PushService,
    pass_deadline,
    run_worker,
    subscribed,
)

SECRET = "Meet me behind the Tesco car park, JT has a knife"


@pytest.fixture
def direct(world: World) -> Conversation:
    conversation, _is_new = conversations.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk]
    )
    return conversation


@pytest.fixture
def group(world: World) -> Conversation:
    conversation, _is_new = conversations.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk, world.morgan.pk]
    )
    return conversation


def _send(api: Callable[[str], Api], who: str, conversation: Conversation, body: str) -> int:
    response = api(who).post(
        f"/conversations/{conversation.pk}/messages", {"client_id": str(uuid4()), "body": body}
    )
    assert response.status_code == 201, response.content
    seq: int = response.json()["seq"]
    return seq


def _give_email(user: User) -> str:
    address = f"{user.username}@example.org"
    User.objects.filter(pk=user.pk).update(email=address)
    return address


def _deliveries(user: User) -> list[tuple[str, str, int]]:
    return list(
        Delivery.objects.filter(user=user)
        .order_by("pk")
        .values_list("channel", "state", "up_to_seq")
    )


# --- push -------------------------------------------------------------------------------


def test_an_unread_message_reaches_the_recipients_phone_without_its_text(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    jos_phone = push_service.subscribe(world.jo)
    push_service.subscribe(world.sam)

    seq = _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert push_service.refused == []
    [push] = push_service.received
    assert push.token == jos_phone.endpoint.rsplit("/", 1)[1]  # jo's phone, not sam's
    assert push.payload == {
        "title": "Ropeteam",
        "body": "Sam sent you a message",
        "url": f"/conversations/{direct.pk}",
    }
    assert push.claims["aud"] == push_service.origin
    assert int(push.headers["ttl"]) > 0
    assert "Tesco" not in json_text(push.payload)
    assert _deliveries(world.jo) == [("push", "sent", seq)]
    assert _deliveries(world.sam) == []
    listed = api("jo").get("/notifications").json()
    assert [(d["channel"], d["state"], d["conversation_id"]) for d in listed] == [
        ("push", "sent", direct.pk)
    ]


def json_text(payload: dict[str, Any]) -> str:
    return " ".join(str(v) for v in payload.values())


def test_the_message_text_is_included_only_when_the_setting_says_so(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    push_service: PushService,
    settings: Any,
) -> None:
    settings.NOTIFY_MESSAGE_TEXT = True
    push_service.subscribe(world.jo)

    _send(api, "sam", direct, "On my way, ten minutes")
    pass_deadline()
    run_worker()

    [push] = push_service.received
    assert push.payload["body"] == "Sam: On my way, ten minutes"


def test_every_push_service_gets_a_token_for_its_own_origin(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    push_service: PushService,
    another_push_service: PushService,
) -> None:
    push_service.subscribe(world.jo)
    another_push_service.subscribe(world.jo)

    _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    # Each service checks `aud` against its own origin and refuses a token made for another.
    assert (push_service.refused, another_push_service.refused) == ([], [])
    assert len(push_service.received) == len(another_push_service.received) == 1
    assert Delivery.objects.get(user=world.jo).attempts == 2


def test_everyone_else_in_a_group_is_told_but_not_people_outside_it(
    world: World, api: Callable[[str], Api], group: Conversation, push_service: PushService
) -> None:
    phones = {
        name: push_service.subscribe(getattr(world, name)) for name in ("jo", "morgan", "alex")
    }

    _send(api, "sam", group, SECRET)
    pass_deadline()
    run_worker()

    told = sorted(p.token for p in push_service.received)
    expected = sorted(phones[n].endpoint.rsplit("/", 1)[1] for n in ("jo", "morgan"))
    assert told == expected


def test_someone_removed_from_the_team_is_no_longer_told(
    world: World, api: Callable[[str], Api], group: Conversation, push_service: PushService
) -> None:
    push_service.subscribe(world.morgan)
    membership = Membership.objects.get(
        user=world.morgan, team=world.northside, removed_at__isnull=True
    )
    people.remove_member(actor=world.priya, membership=membership)

    _send(api, "sam", group, SECRET)
    pass_deadline()
    run_worker()

    assert push_service.received == []
    assert _deliveries(world.morgan) == []


def test_a_push_service_answering_410_loses_the_subscription(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    old_phone = push_service.subscribe(world.jo)
    push_service.answer(old_phone, 410)

    seq = _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert subscribed(world.jo) == []
    assert _deliveries(world.jo) == [("push", "gone", seq)]
    assert Delivery.objects.get(user=world.jo).error == "HTTP 410"


# --- e-mail -----------------------------------------------------------------------------


def test_a_failing_push_falls_back_to_email_without_the_message_text(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    push_service: PushService,
    mail_server: MailServer,
) -> None:
    phone = push_service.subscribe(world.jo)
    push_service.answer(phone, 500)
    address = _give_email(world.jo)

    seq = _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert _deliveries(world.jo) == [("push", "failed", seq), ("email", "sent", seq)]
    assert Delivery.objects.filter(user=world.jo, channel="push").get().error == "HTTP 500"
    assert subscribed(world.jo) == [phone.endpoint]  # a 500 may pass; only 404/410 remove
    assert mail_server.recipients == [[address]]
    [mail] = mail_server.received
    assert mail["Subject"] == "Sam sent you a message on Ropeteam"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert f"https://ropeteam.example.org/conversations/{direct.pk}" in text
    assert "Sam sent you a message" in text
    assert "Tesco" not in text
    assert "Tesco" not in mail.as_string()


def test_someone_with_no_push_subscription_gets_an_email(
    world: World, api: Callable[[str], Api], direct: Conversation, mail_server: MailServer
) -> None:
    _give_email(world.jo)

    seq = _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert len(mail_server.received) == 1
    assert _deliveries(world.jo) == [("email", "sent", seq)]


def test_an_unreachable_mail_server_is_recorded_as_failed(
    world: World, api: Callable[[str], Api], direct: Conversation, mail_server: MailServer
) -> None:
    _give_email(world.jo)
    from django.conf import settings

    settings.EMAIL_PORT = 1  # nothing listens there

    seq = _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert _deliveries(world.jo) == [("email", "failed", seq)]
    assert Delivery.objects.get(user=world.jo).error == "ConnectionRefusedError"


def test_someone_with_neither_push_nor_email_gets_nothing_recorded(
    world: World, api: Callable[[str], Api], direct: Conversation, mail_server: MailServer
) -> None:
    _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    assert mail_server.received == []
    assert Delivery.objects.count() == 0


# --- the deadline and its task ------------------------------------------------------------


def test_the_check_waits_for_its_deadline(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    push_service.subscribe(world.jo)
    before = timezone.now()

    _send(api, "sam", direct, SECRET)
    run_worker()

    assert push_service.received == []
    [waiting] = DBTaskResult.objects.filter(status="READY")
    assert waiting.task_path == "ropeteam.notify.tasks.notify_unread"
    assert before + timedelta(seconds=60) <= waiting.run_after
    assert waiting.run_after <= timezone.now() + timedelta(seconds=60)


def test_a_message_read_before_the_deadline_sends_nothing(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    push_service.subscribe(world.jo)

    seq = _send(api, "sam", direct, SECRET)
    api("jo").post(f"/conversations/{direct.pk}/receipts", {"read": seq})
    pass_deadline()
    run_worker()

    assert push_service.received == []
    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_running_the_task_twice_notifies_once(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    push_service.subscribe(world.jo)
    _send(api, "sam", direct, SECRET)
    task = DBTaskResult.objects.get()

    pass_deadline()
    run_worker()
    again = tasks.notify_unread.call(*task.args_kwargs["args"], **task.args_kwargs["kwargs"])

    assert again == 0
    assert len(push_service.received) == 1
    assert Delivery.objects.count() == 1


def test_one_notification_per_unread_spell_until_the_person_reads(
    world: World, api: Callable[[str], Api], direct: Conversation, push_service: PushService
) -> None:
    push_service.subscribe(world.jo)

    _send(api, "sam", direct, "one")
    pass_deadline()
    run_worker()
    second = _send(api, "sam", direct, "two")
    pass_deadline()
    run_worker()
    assert len(push_service.received) == 1  # jo has not read "one" yet: no second buzz

    api("jo").post(f"/conversations/{direct.pk}/receipts", {"read": second})
    third = _send(api, "sam", direct, "three")
    pass_deadline()
    run_worker()

    assert len(push_service.received) == 2
    assert [seq for _c, _s, seq in _deliveries(world.jo)] == [1, third]


def test_one_task_is_enqueued_per_stored_message_and_none_for_a_retry(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    client_id = str(uuid4())
    body = {"client_id": client_id, "body": SECRET}

    api("sam").post(f"/conversations/{direct.pk}/messages", body)
    api("sam").post(f"/conversations/{direct.pk}/messages", body)

    [task] = DBTaskResult.objects.all()
    assert task.args_kwargs == {"args": [[[direct.pk, 1, world.sam.pk]]], "kwargs": {}}


def test_a_send_that_rolls_back_enqueues_nothing(world: World, direct: Conversation) -> None:
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        conversations.send_message(
            actor=world.sam, conversation=direct, client_id=uuid4(), body=SECRET
        )
        assert DBTaskResult.objects.count() == 1  # written inside the sending transaction
        raise Abandoned

    assert DBTaskResult.objects.count() == 0


def test_a_name_with_a_line_break_still_makes_a_one_line_subject(
    world: World, api: Callable[[str], Api], direct: Conversation, mail_server: MailServer
) -> None:
    User.objects.filter(pk=world.sam.pk).update(display_name="Sam\nBcc: everyone@example.org")
    _give_email(world.jo)

    _send(api, "sam", direct, SECRET)
    pass_deadline()
    run_worker()

    [mail] = mail_server.received
    assert mail["Subject"] == "Sam Bcc: everyone@example.org sent you a message on Ropeteam"
    assert mail["Bcc"] is None
    assert mail_server.recipients == [["jo@example.org"]]
