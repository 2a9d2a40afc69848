"""Conversations between Northside colleagues, built through the actions people use.

`direct` is sam and jo (jo holds sam's rope); `group` is sam, jo and morgan, so alex and
priya are Northside members who are not in it.
"""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from django.test import Client

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message
from ropeteam.people.models import User
from tests.api.conftest import Api, token_for
from tests.conftest import World


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    """`api("sam")` gives a JSON client authenticated with a token of that persona."""
    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def direct(world: World) -> Conversation:
    conversation, _is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk]
    )
    return conversation


@pytest.fixture
def group(world: World) -> Conversation:
    conversation, _is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk, world.morgan.pk]
    )
    return conversation


def send(
    sender: User, conversation: Conversation, body: str, client_id: UUID | None = None
) -> Message:
    """Send as `sender` and return the stored message (new or, for a retry, the original)."""
    sent = actions.send_message(
        actor=sender, conversation=conversation, client_id=client_id or uuid4(), body=body
    )
    return sent.message


def seqs(conversation: Conversation) -> list[int]:
    """Every stored seq of the conversation, as the database holds them."""
    return list(
        Message.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
