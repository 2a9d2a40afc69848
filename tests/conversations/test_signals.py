"""`messages_stored`: the one way domains above conversations hear of new messages."""

from typing import Any
from uuid import uuid4

import pytest
from django.db import connection

from ropeteam.conversations.models import Conversation, Message
from ropeteam.conversations.signals import messages_stored
from tests.conftest import World
from tests.conversations.conftest import send


@pytest.fixture
def heard() -> Any:
    calls: list[tuple[list[tuple[int, int, int]], bool]] = []

    def receiver(sender: Any, messages: list[tuple[int, int, int]], **kwargs: Any) -> None:
        calls.append((messages, connection.in_atomic_block))

    messages_stored.connect(receiver, dispatch_uid="test-heard")
    yield calls
    messages_stored.disconnect(dispatch_uid="test-heard")


def test_a_stored_message_is_announced_once_inside_its_transaction(
    world: World, direct: Conversation, heard: Any
) -> None:
    message = send(world.sam, direct, "On my way")

    assert heard == [([(direct.pk, message.seq, world.sam.pk)], True)]


def test_a_retry_is_not_announced_again(world: World, direct: Conversation, heard: Any) -> None:
    client_id = uuid4()
    send(world.sam, direct, "On my way", client_id)
    send(world.sam, direct, "On my way", client_id)

    assert len(heard) == 1


def test_a_failing_receiver_rolls_the_message_back(world: World, direct: Conversation) -> None:
    def refuse(**kwargs: Any) -> None:
        raise RuntimeError("receiver failed")

    messages_stored.connect(refuse, dispatch_uid="test-refuse")
    try:
        with pytest.raises(RuntimeError):
            send(world.sam, direct, "On my way")
    finally:
        messages_stored.disconnect(dispatch_uid="test-refuse")

    assert Message.objects.filter(conversation=direct).count() == 0
    assert Conversation.objects.get(pk=direct.pk).last_seq == 0
