"""Urgent messages: the sender marks one, every way of sending keeps the mark, and the
reader's copy says so. What an unread urgent message sets off is in tests/notify/test_urgent.py.
"""

from collections.abc import Callable
from uuid import uuid4

import pytest

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message
from tests.api.conftest import Api
from tests.conftest import World


def test_a_message_sent_as_urgent_is_stored_and_read_back_as_urgent(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    client_id = str(uuid4())

    response = api("sam").post(
        f"/conversations/{direct.pk}/messages",
        {"client_id": client_id, "body": "Call me", "urgent": True},
    )

    assert response.status_code == 201
    assert Message.objects.get(conversation=direct).urgent is True
    (shown,) = api("jo").get(f"/conversations/{direct.pk}/messages").json()
    assert (shown["body"], shown["urgent"]) == ("Call me", True)


def test_a_message_is_not_urgent_unless_the_sender_says_so(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    api("sam").post(
        f"/conversations/{direct.pk}/messages", {"client_id": str(uuid4()), "body": "Hi"}
    )

    assert Message.objects.get(conversation=direct).urgent is False


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_urgent_that_is_not_true_or_false_gets_422_and_stores_nothing(
    world: World, api: Callable[[str], Api], direct: Conversation, value: object
) -> None:
    response = api("sam").post(
        f"/conversations/{direct.pk}/messages",
        {"client_id": str(uuid4()), "body": "Call me", "urgent": value},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "urgent"
    assert not Message.objects.filter(conversation=direct).exists()


def test_a_retry_keeps_the_message_as_first_stored(world: World, direct: Conversation) -> None:
    client_id = uuid4()
    first = actions.send_message(
        actor=world.sam, conversation=direct, client_id=client_id, body="Call me", urgent=True
    )

    again = actions.send_message(
        actor=world.sam, conversation=direct, client_id=client_id, body="Call me", urgent=False
    )

    assert again.is_new is False and again.message.pk == first.message.pk
    assert Message.objects.get(pk=first.message.pk).urgent is True


def test_the_thread_page_sends_urgent_and_shows_it_in_words(
    world: World, direct: Conversation
) -> None:
    sam = world.client_for(world.sam)
    url = f"/conversations/{direct.pk}/"

    response = sam.post(url, {"client_id": str(uuid4()), "body": "Call me", "urgent": "on"})

    assert response.status_code == 302
    assert Message.objects.get(conversation=direct).urgent is True
    page = world.client_for(world.jo).get(url).content.decode()
    assert '<strong class="bubble__urgent">Urgent</strong>' in page
    assert 'name="urgent"' in page
