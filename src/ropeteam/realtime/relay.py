"""Between instances: one channel-layer group (Redis, with `REDIS_URL`) that every server
process listens to, and the event outbox in the database for processes without sockets.

Messages are small dicts with a `type` (`live.*`) and the `origin` instance; an instance
ignores its own. Message text never passes through them: only ids, ranges and frames of
ids and states.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from ropeteam.realtime import outbox
from ropeteam.realtime.threads import Readers

log = logging.getLogger(__name__)

GROUP = "ropeteam.live"
OUTBOX_POLL = 0.25  # seconds between reads of the event outbox
OUTBOX_OVERLAP = 100  # ids re-read each time, for rows that committed out of order

Heard = Callable[[dict[str, Any]], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class Relay:
    def __init__(self, instance: str, spawn: Spawn) -> None:
        self.instance = instance
        self.spawn = spawn
        self.layer = get_channel_layer() if settings.REDIS_URL else None

    @property
    def shared(self) -> bool:
        """Whether other instances hear this one through the channel layer."""
        return self.layer is not None

    def publish(self, message: dict[str, Any]) -> None:
        """Tell the other instances (on the event loop; only when `shared`)."""
        assert self.layer is not None  # noqa: S101  only called when instances share a layer
        self.spawn(self.layer.group_send(GROUP, {**message, "origin": self.instance}))

    async def listen(self, heard: Heard) -> None:
        assert self.layer is not None  # noqa: S101
        channel = await self.layer.new_channel()
        await self.layer.group_add(GROUP, channel)
        while True:
            message = await self.layer.receive(channel)
            if message.get("origin") == self.instance:
                continue
            await _act(heard, message)

    async def read_outbox(self, readers: Readers, heard: Heard) -> None:
        """Act on what processes without a hub left in the database (`outbox.leave`)."""
        cursor = await readers.read(outbox.last_event_id)
        seen: dict[int, None] = {}  # recent ids, oldest first: a late commit is not missed
        while True:
            await asyncio.sleep(OUTBOX_POLL)
            try:
                found = await readers.read(outbox.events_after, cursor - OUTBOX_OVERLAP)
            except Exception:
                log.exception("could not read the event outbox")
                continue
            for pk, message in found:
                if pk in seen:
                    continue
                seen[pk] = None
                cursor = max(cursor, pk)
                await _act(heard, {**message, "origin": "outbox"})
            while len(seen) > 4 * OUTBOX_OVERLAP:
                del seen[next(iter(seen))]


async def _act(heard: Heard, message: dict[str, Any]) -> None:
    try:
        await heard(message)
    except Exception:
        log.exception("could not act on %s", message.get("type"))
