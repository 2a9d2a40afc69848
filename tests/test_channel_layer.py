"""The channel layer that lets server processes reach each other's sockets.

With REDIS_URL set (the PostgreSQL + Redis run in CI), two layer instances stand for two
server processes sharing real Redis; without it, the in-process layer serves one process.
"""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings


async def _round_trip(group: str) -> dict[str, str]:
    sender = get_channel_layer()
    receiver = get_channel_layer() if not settings.REDIS_URL else _fresh_redis_layer()
    channel = await receiver.new_channel()
    await receiver.group_add(group, channel)
    try:
        await sender.group_send(group, {"type": "rope.changed", "worker": "sam"})
        message: dict[str, str] = await receiver.receive(channel)
    finally:
        await receiver.group_discard(group, channel)
    return message


def _fresh_redis_layer():  # type: ignore[no-untyped-def]
    from channels_redis.pubsub import RedisPubSubChannelLayer

    return RedisPubSubChannelLayer(hosts=[settings.REDIS_URL])


@pytest.mark.timeout(30)
def test_a_group_message_reaches_a_listener_of_another_layer_instance() -> None:
    group = f"team-{uuid.uuid4().hex}"
    message = async_to_sync(_round_trip)(group)
    assert message == {"type": "rope.changed", "worker": "sam"}


def test_the_layer_is_redis_exactly_when_redis_is_configured() -> None:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert ("Redis" in backend) == bool(settings.REDIS_URL)
