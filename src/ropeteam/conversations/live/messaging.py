"""Messaging's handlers on the realtime hub: sends and receipts to the group-commit writer,
typing, resume and ping; and what other instances say about messages stored there.

The hot path (DESIGN.md): a frame is parsed on the event loop; a send or receipt goes to
the writer thread, which commits whatever arrived during the previous commit as one batch
and hands back acks and events; they go to this process's sockets from the hub's registry,
and with `REDIS_URL` one wake-up per batch tells the other instances. The wake-up carries
the batch's frames sealed with the at-rest key (AES-GCM), so an instance with a listener
delivers them without reading the database back, and Redis never holds message text.
"""

import asyncio
import json
import time
from typing import Any

from ropeteam.conversations.live import frames, replay, standing, store
from ropeteam.conversations.live.frames import FrameError
from ropeteam.core import crypto
from ropeteam.people import sessions
from ropeteam.realtime import outbox
from ropeteam.realtime.conn import Conn
from ropeteam.realtime.events import Audience, dump
from ropeteam.realtime.hub import Hub, audiences_in, audiences_out
from ropeteam.realtime.presence import Teammate
from ropeteam.realtime.threads import Writer

RESUME_HIGH_WATER = 1000
AUDIENCE_TTL = 30.0
TYPING_GAP = 1.0

Item = tuple[Conn, frames.Send | frames.Receipt]

# Binds a sealed wake-up to its use: a sealed column value cannot be replayed as one.
WAKE_CONTEXT = "ropeteam.live.wake"


def seal(stored: list[store.Stored]) -> str:
    """A batch's message frames, encrypted for the other instances."""
    return crypto.encrypt(
        json.dumps([[s.conversation_id, s.frame] for s in stored], separators=(",", ":")),
        context=WAKE_CONTEXT,
    )


def unseal(sealed: str) -> list[tuple[int, str]]:
    return [
        (int(c), str(frame))
        for c, frame in json.loads(crypto.decrypt(sealed, context=WAKE_CONTEXT))
    ]


def _failed(batch: list[Item]) -> store.Batch:
    return store.Batch(answers=[store.unavailable(r).frame() for _, r in batch])


class Messaging:
    """The domain the hub hands frames to (`realtime.hub.Domain`)."""

    authenticate = staticmethod(standing.authenticate)
    session_ends_at = staticmethod(sessions.session_ends_at)
    arrive = staticmethod(standing.arrive)
    standings = staticmethod(standing.standings)

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.audience_cache: dict[int, tuple[float, Audience]] = {}
        self.writer = Writer(hub.loop, write=self._write, failed=_failed, done=self._written)

    @staticmethod
    def teammate(user_id: int) -> Teammate | None:
        return standing.teammate(user_id)

    def handle(self, conn: Conn, raw: str | bytes | None) -> None:
        try:
            request = frames.parse(raw)
        except FrameError as error:
            conn.push(error.frame())
            return
        if isinstance(request, frames.Send | frames.Receipt):
            self.writer.put((conn, request))
        elif isinstance(request, frames.Typing):
            self.hub.spawn(self._typing(conn, request.conversation))
        elif isinstance(request, frames.Resume):
            self.hub.spawn(self._resume(conn, request.cursors))
        else:
            self.hub.spawn(self.hub.beat([conn]))

    def sweep(self) -> None:
        """Forget audiences nobody asked for lately."""
        now = time.monotonic()
        for conversation_id, (until, _audience) in list(self.audience_cache.items()):
            if until <= now:
                del self.audience_cache[conversation_id]

    # --- the writer's batch -----------------------------------------------------------------

    def _write(self, batch: list[Item]) -> store.Batch:
        """On the writer thread: commit, then seal the frames for the other instances."""
        result = store.write([(conn.user_id, request) for conn, request in batch])
        if self.hub.relay.shared and result.stored:
            result.sealed = seal(result.stored)
        return result

    # --- what the writer committed ----------------------------------------------------------

    def _written(self, batch: list[Item], result: store.Batch) -> None:
        for (conn, _request), answer in zip(batch, result.answers, strict=True):
            if answer is not None:
                conn.push(answer)
        now = time.monotonic()
        for conversation_id, audience in result.audiences.items():
            self.audience_cache[conversation_id] = (now + AUDIENCE_TTL, audience)
        for stored in result.stored:
            self.hub.deliver(result.audiences[stored.conversation_id], stored.frame)
        for moved in result.moved:
            self.hub.deliver(result.audiences[moved.conversation_id], moved.frame)
        if self.hub.relay.shared and (result.stored or result.moved):
            ranges: dict[int, list[int]] = {}
            for stored in result.stored:
                first_last = ranges.setdefault(stored.conversation_id, [stored.seq, stored.seq])
                first_last[1] = stored.seq
            self.hub.relay.publish(
                {
                    "type": "live.wake",
                    "ranges": [[c, first, last] for c, (first, last) in ranges.items()],
                    "sealed": result.sealed,
                    "moved": [[m.conversation_id, m.frame] for m in result.moved],
                    "audiences": audiences_out(result.audiences),
                }
            )

    # --- typing, resume -------------------------------------------------------------------

    async def _audience(self, conversation_id: int) -> Audience | None:
        cached = self.audience_cache.get(conversation_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = (await self.hub.read(standing.audiences, {conversation_id})).get(conversation_id)
        if found is not None:
            self.audience_cache[conversation_id] = (time.monotonic() + AUDIENCE_TTL, found)
        return found

    async def _typing(self, conn: Conn, conversation_id: int) -> None:
        audience = await self._audience(conversation_id)
        if (
            audience is None
            or conn.user_id not in audience.user_ids
            or audience.team_id not in conn.team_ids
        ):
            conn.push(store.no_conversation(conversation_id).frame())
            return
        now = time.monotonic()
        if now - conn.last_at.get(("typing", conversation_id), 0.0) < TYPING_GAP:
            return
        conn.last_at[("typing", conversation_id)] = now
        frame = dump({"type": "typing", "conversation": conversation_id, "user": conn.user_id})
        self.hub.deliver(audience, frame, skip=conn.user_id)
        if self.hub.relay.shared:
            self.hub.relay.publish(
                {
                    "type": "live.typing",
                    "frame": frame,
                    "user": conn.user_id,
                    "audiences": audiences_out({conversation_id: audience}),
                }
            )

    async def _resume(self, conn: Conn, cursors: dict[int, int]) -> None:
        pending = cursors
        while pending and not conn.closed:
            pages = await self.hub.read(replay.replay, conn.user_id, pending)
            pending = {}
            for page in pages:
                if isinstance(page, str):
                    conn.push(page)
                    continue
                for frame in page.frames:
                    conn.push(frame)
                if page.done:
                    conn.push(_synced(page))
                else:
                    pending[page.conversation_id] = page.upto
            while conn.outbox.qsize() > RESUME_HIGH_WATER and not conn.closed:
                await asyncio.sleep(0.02)

    # --- between instances ----------------------------------------------------------------

    async def heard(self, message: dict[str, Any]) -> None:
        """`live.wake` (messages or receipts stored elsewhere) or `live.typing`."""
        audiences = audiences_in(message)
        if message["type"] == "live.typing":
            (audience,) = audiences.values()
            self.hub.deliver(audience, message["frame"], skip=int(message["user"]))
            return
        await self.woken(message, audiences)

    async def woken(self, message: dict[str, Any], audiences: dict[int, Audience]) -> None:
        """Messages or receipts stored elsewhere, for whoever here listens: from the sealed
        frames when the wake-up carries them, else read back from the database."""
        here = set(self.hub.registry.by_user)
        ranges = {
            int(c): (int(first), int(last))
            for c, first, last in message["ranges"]
            if here & audiences[int(c)].user_ids
        }
        if ranges and message.get("sealed"):
            for conversation_id, frame in unseal(message["sealed"]):
                if conversation_id in ranges:
                    self.hub.deliver(audiences[conversation_id], frame)
        elif ranges:
            for stored in await self.hub.read(replay.messages_in, ranges):
                self.hub.deliver(audiences[stored.conversation_id], stored.frame)
        for conversation_id, frame in message["moved"]:
            self.hub.deliver(audiences[int(conversation_id)], frame)


def _synced(page: replay.Page) -> str:
    marks = {str(user): {"delivered": d, "read": r} for user, (d, r) in page.marks.items()}
    return dump(
        {"type": "synced", "conversation": page.conversation_id, "seq": page.upto, "marks": marks}
    )


def tell_stored(
    conversation_id: int, *, seq: int | None = None, receipt: str | None = None
) -> None:
    """A message (`seq`) or a receipt frame was committed outside the socket path (the HTTP
    API, a web form): wake the sockets that follow the conversation. Runs in the caller's
    thread, after the commit."""
    audience = standing.audiences({conversation_id}).get(conversation_id)
    if audience is None:
        return
    message: dict[str, Any] = {
        "type": "live.wake",
        "ranges": [[conversation_id, seq, seq]] if seq is not None else [],
        "moved": [[conversation_id, receipt]] if receipt is not None else [],
        "audiences": audiences_out({conversation_id: audience}),
    }
    hub = Hub.running
    if hub is None:
        outbox.leave(message)
        return
    messaging = hub.domain
    assert isinstance(messaging, Messaging)  # noqa: S101  the one domain served
    hub.loop.call_soon_threadsafe(hub.spawn, messaging.woken(message, {conversation_id: audience}))
    if hub.relay.shared:
        hub.loop.call_soon_threadsafe(hub.relay.publish, message)
