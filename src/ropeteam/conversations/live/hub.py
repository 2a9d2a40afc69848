"""One hub per server process: its open sockets, its writer, and the wake-ups between instances.

The hot path (DESIGN.md): a frame is parsed on the event loop; a send or receipt goes to
the writer thread, which commits whatever arrived during the previous commit as one batch
(group commit) and hands back acks and events; the hub pushes them to the sockets of this
process from an in-memory registry, and with `REDIS_URL` publishes one wake-up per batch
so other instances read what they need from the database. Live events are only wake-ups:
the database is the truth, and heartbeats carry each conversation's last seq from it.
"""

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, ClassVar, TypeVar
from uuid import uuid4

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ropeteam.conversations.live import frames, store
from ropeteam.conversations.live.frames import FrameError
from ropeteam.realtime.events import Event, Publishable, Revocation

log = logging.getLogger(__name__)

GROUP = "ropeteam.live"
MAX_BATCH = 500
MAX_QUEUED = 5000  # frames waiting for one socket before it counts as stuck (closed, 1013)
RESUME_HIGH_WATER = 1000
OUTBOX_POLL = 0.25  # seconds between reads of the event outbox
OUTBOX_OVERLAP = 100  # ids re-read each time, for rows that committed out of order
AUDIENCE_TTL = 30.0
TYPING_GAP = 1.0

# Close codes (docs/protocol.md).
NOT_SIGNED_IN = 4401
ORIGIN_REFUSED = 4403
ACCESS_CHANGED = 4410
TRY_AGAIN_LATER = 1013

T = TypeVar("T")


class Conn:
    """One open socket: whose it is, which teams it may hear from, what waits to be sent."""

    __slots__ = ("closed", "outbox", "team_ids", "typing_at", "user_id")

    def __init__(self, user_id: int, team_ids: frozenset[int]) -> None:
        self.user_id = user_id
        self.team_ids = team_ids
        self.outbox: asyncio.Queue[str | int] = asyncio.Queue()
        self.closed = False
        self.typing_at: dict[int, float] = {}

    def push(self, text: str) -> None:
        if self.closed:
            return
        if self.outbox.qsize() >= MAX_QUEUED:
            # A socket that cannot keep up resumes from its cursor after reconnecting.
            self.close(TRY_AGAIN_LATER)
            return
        self.outbox.put_nowait(text)

    def close(self, code: int) -> None:
        """Close with `code`; whatever was still waiting is dropped, and nothing more is sent."""
        if self.closed:
            return
        self.closed = True
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.outbox.put_nowait(code)


def _in_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` on this thread's persistent connection, replacing it only once it broke."""
    if connection.connection is not None and connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
    return fn(*args, **kwargs)


class Hub:
    running: ClassVar["Hub | None"] = None
    _lock = threading.Lock()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.instance = uuid4().hex
        self.by_user: dict[int, set[Conn]] = {}
        self.profiles: dict[int, store.Teammate] = {}
        self.elsewhere: dict[int, dict[str, float]] = {}
        self.audience_cache: dict[int, tuple[float, store.Audience]] = {}
        # When each person's access last narrowed, so a socket still authenticating at that
        # moment is closed as soon as it attaches.
        self.narrowed_at: dict[int, float] = {}
        self.heartbeat = settings.HEARTBEAT_SECONDS
        self.shared = bool(settings.REDIS_URL)
        self.layer = get_channel_layer() if self.shared else None
        self.readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ropeteam-reader")
        self.queue: queue.SimpleQueue[tuple[Conn, frames.Send | frames.Receipt]] = (
            queue.SimpleQueue()
        )
        self.tasks: set[asyncio.Task[Any]] = set()
        threading.Thread(target=self._write_loop, name="ropeteam-writer", daemon=True).start()
        self.spawn(self._beat_loop())
        self.spawn(self._read_outbox())
        if self.layer is not None:
            self.spawn(self._listen())

    @classmethod
    def get(cls) -> "Hub":
        """This process's hub, made on the first socket."""
        with cls._lock:
            if cls.running is None:
                cls.running = cls(asyncio.get_running_loop())
            return cls.running

    def spawn(self, coroutine: Any) -> None:
        task = self.loop.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("live task failed", exc_info=task.exception())

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.loop.run_in_executor(self.readers, partial(_in_db, fn, *args, **kwargs))

    # --- sockets coming and going ---------------------------------------------------------

    def attach(self, conn: Conn, arrival: store.Arrival, *, since: float) -> None:
        """Register a socket whose person was authenticated from monotonic time `since`."""
        if self.narrowed_at.get(conn.user_id, float("-inf")) >= since:
            conn.close(ACCESS_CHANGED)
            return
        was_online = self.is_online(conn.user_id)
        self.by_user.setdefault(conn.user_id, set()).add(conn)
        self.profiles[conn.user_id] = arrival.me
        conn.push(
            frames.dump(
                {
                    "type": "welcome",
                    "protocol": frames.PROTOCOL,
                    "user": arrival.user_id,
                    "heartbeat": self.heartbeat,
                    "conversations": {str(c): s for c, s in arrival.conversations.items()},
                    "presence": [self._presence(m) for m in arrival.teammates],
                }
            )
        )
        if not was_online:
            self._announce(arrival.me, online=True)

    def detach(self, conn: Conn) -> None:
        conn.closed = True
        conns = self.by_user.get(conn.user_id)
        if conns is None:
            return
        conns.discard(conn)
        if conns:
            return
        del self.by_user[conn.user_id]
        me = self.profiles.pop(conn.user_id, None)
        if me is not None and not self.is_online(conn.user_id):
            self._announce(me, online=False)

    def close_user(self, user_id: int, code: int = ACCESS_CHANGED) -> None:
        self.narrowed_at[user_id] = time.monotonic()
        for conn in list(self.by_user.get(user_id, ())):
            conn.close(code)

    # --- frames from a socket -------------------------------------------------------------

    def handle(self, conn: Conn, raw: str | bytes | None) -> None:
        try:
            request = frames.parse(raw)
        except FrameError as error:
            conn.push(error.frame())
            return
        if isinstance(request, frames.Send | frames.Receipt):
            self.queue.put((conn, request))
        elif isinstance(request, frames.Typing):
            self.spawn(self._typing(conn, request.conversation))
        elif isinstance(request, frames.Resume):
            self.spawn(self._resume(conn, request.cursors))
        else:
            self.spawn(self.beat([conn]))

    # --- the writer -------------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            work = [(conn.user_id, request) for conn, request in batch]
            try:
                result = _in_db(store.write, work)
            except Exception:
                log.exception("could not store a batch of %d", len(batch))
                result = store.Batch(answers=[store.unavailable(r).frame() for _, r in work])
            self.loop.call_soon_threadsafe(self._written, [c for c, _ in batch], result)

    def _written(self, conns: list[Conn], result: store.Batch) -> None:
        for conn, answer in zip(conns, result.answers, strict=True):
            if answer is not None:
                conn.push(answer)
        now = time.monotonic()
        for conversation_id, audience in result.audiences.items():
            self.audience_cache[conversation_id] = (now + AUDIENCE_TTL, audience)
        for stored in result.stored:
            self._deliver(result.audiences[stored.conversation_id], stored.frame)
        for moved in result.moved:
            self._deliver(result.audiences[moved.conversation_id], moved.frame)
        if self.layer is not None and (result.stored or result.moved):
            ranges: dict[int, list[int]] = {}
            for stored in result.stored:
                first_last = ranges.setdefault(stored.conversation_id, [stored.seq, stored.seq])
                first_last[1] = stored.seq
            self._publish(
                {
                    "type": "live.wake",
                    "ranges": [[c, first, last] for c, (first, last) in ranges.items()],
                    "moved": [[m.conversation_id, m.frame] for m in result.moved],
                    "audiences": self._audiences_out(result.audiences),
                }
            )

    def _deliver(self, audience: store.Audience, frame: str, *, skip: int | None = None) -> None:
        for user_id in audience.user_ids:
            if user_id == skip:
                continue
            for conn in self.by_user.get(user_id, ()):
                if audience.team_id in conn.team_ids:
                    conn.push(frame)

    # --- typing, resume, heartbeats -------------------------------------------------------

    async def _audience(self, conversation_id: int) -> store.Audience | None:
        cached = self.audience_cache.get(conversation_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = (await self.read(store.audiences, {conversation_id})).get(conversation_id)
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
        if now - conn.typing_at.get(conversation_id, 0.0) < TYPING_GAP:
            return
        conn.typing_at[conversation_id] = now
        frame = frames.dump(
            {"type": "typing", "conversation": conversation_id, "user": conn.user_id}
        )
        self._deliver(audience, frame, skip=conn.user_id)
        if self.layer is not None:
            self._publish(
                {
                    "type": "live.typing",
                    "frame": frame,
                    "user": conn.user_id,
                    "audiences": self._audiences_out({conversation_id: audience}),
                }
            )

    async def _resume(self, conn: Conn, cursors: dict[int, int]) -> None:
        pending = cursors
        while pending and not conn.closed:
            pages = await self.read(store.replay, conn.user_id, pending)
            pending = {}
            for page in pages:
                if isinstance(page, str):
                    conn.push(page)
                    continue
                for frame in page.frames:
                    conn.push(frame)
                if page.done:
                    conn.push(
                        frames.dump(
                            {
                                "type": "synced",
                                "conversation": page.conversation_id,
                                "seq": page.upto,
                                "marks": {
                                    str(user): {"delivered": d, "read": r}
                                    for user, (d, r) in page.marks.items()
                                },
                            }
                        )
                    )
                else:
                    pending[page.conversation_id] = page.upto
            while conn.outbox.qsize() > RESUME_HIGH_WATER and not conn.closed:
                await asyncio.sleep(0.02)

    async def _read_outbox(self) -> None:
        """Act on what processes without a hub left in the database (`_outbox`)."""
        cursor = await self.read(store.last_event_id)
        seen: dict[int, None] = {}  # recent ids, oldest first: a late commit is not missed
        while True:
            await asyncio.sleep(OUTBOX_POLL)
            try:
                found = await self.read(store.events_after, cursor - OUTBOX_OVERLAP)
            except Exception:
                log.exception("could not read the event outbox")
                continue
            for pk, message in found:
                if pk in seen:
                    continue
                seen[pk] = None
                cursor = max(cursor, pk)
                try:
                    await self._heard({**message, "origin": "outbox"})
                except Exception:
                    log.exception("could not act on %s", message.get("type"))
            while len(seen) > 4 * OUTBOX_OVERLAP:
                del seen[next(iter(seen))]

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.beat([c for conns in self.by_user.values() for c in conns])
                self._sweep()
                await self.read(store.forget_events)
                if self.layer is not None:
                    self._publish({"type": "live.online", "users": list(self.by_user)})
            except Exception:
                log.exception("heartbeat failed")

    async def beat(self, conns: Iterable[Conn]) -> None:
        """Tell sockets each conversation's last seq (from the database), and close any whose
        person lost access since they connected."""
        conns = list(conns)
        if not conns:
            return
        standings = await self.read(store.standings, {c.user_id for c in conns})
        at = timezone.now().isoformat()
        made: dict[int, str] = {}
        for conn in conns:
            standing = standings.get(conn.user_id)
            if standing is None or not conn.team_ids <= standing.team_ids:
                conn.close(ACCESS_CHANGED)
                continue
            conn.team_ids = standing.team_ids
            if conn.user_id not in made:
                made[conn.user_id] = frames.dump(
                    {
                        "type": "heartbeat",
                        "at": at,
                        "conversations": {str(c): s for c, s in standing.conversations.items()},
                    }
                )
            conn.push(made[conn.user_id])

    # --- presence -------------------------------------------------------------------------

    def is_online(self, user_id: int) -> bool:
        if user_id in self.by_user:
            return True
        now = time.monotonic()
        return any(until > now for until in self.elsewhere.get(user_id, {}).values())

    def _presence(self, mate: store.Teammate) -> dict[str, Any]:
        return {
            "user": mate.user_id,
            "online": self.is_online(mate.user_id),
            "availability": mate.availability,
            "until": mate.until,
        }

    def _show(self, mate: store.Teammate, *, online: bool) -> None:
        """Tell this process's sockets in the person's teams (not the person's own)."""
        frame = frames.dump({"type": "presence", **self._presence(mate), "online": online})
        for user_id, conns in self.by_user.items():
            if user_id == mate.user_id:
                continue
            for conn in conns:
                if conn.team_ids & mate.team_ids:
                    conn.push(frame)

    def _announce(self, mate: store.Teammate, *, online: bool) -> None:
        self._show(mate, online=online)
        if self.layer is not None:
            self._publish({"type": "live.presence", "online": online, **_mate_out(mate)})

    def _sweep(self) -> None:
        """Forget instances that stopped saying who is connected to them (they died), and
        audiences nobody asked for lately."""
        now = time.monotonic()
        for conversation_id, (until, _audience) in list(self.audience_cache.items()):
            if until <= now:
                del self.audience_cache[conversation_id]
        for user_id, seen in list(self.elsewhere.items()):
            before = bool(seen)
            for instance, until in list(seen.items()):
                if until <= now:
                    del seen[instance]
            if before and not seen:
                del self.elsewhere[user_id]
                mate = self.profiles.get(user_id)
                if mate is not None and not self.is_online(user_id):
                    self._show(mate, online=False)

    def told(self, kind: str, user_id: int) -> None:
        """See `tell`; runs on the event loop."""
        if kind == "revoke":
            self.close_user(user_id)
            if self.layer is not None:
                self._publish({"type": "live.revoke", "user": user_id})
        else:
            self.spawn(self.availability_changed(user_id))

    async def availability_changed(self, user_id: int) -> None:
        mate = await self.read(store.teammate, user_id)
        if mate is not None:
            self._announce(mate, online=self.is_online(user_id))

    # --- between instances ----------------------------------------------------------------

    def _publish(self, message: dict[str, Any]) -> None:
        assert self.layer is not None  # noqa: S101  only called when instances share a layer
        self.spawn(self.layer.group_send(GROUP, {**message, "origin": self.instance}))

    @staticmethod
    def _audiences_out(audiences: dict[int, store.Audience]) -> list[list[Any]]:
        return [[c, a.team_id, sorted(a.user_ids)] for c, a in audiences.items()]

    async def _listen(self) -> None:
        assert self.layer is not None  # noqa: S101
        channel = await self.layer.new_channel()
        await self.layer.group_add(GROUP, channel)
        while True:
            message = await self.layer.receive(channel)
            if message.get("origin") == self.instance:
                continue
            try:
                await self._heard(message)
            except Exception:
                log.exception("could not act on %s", message.get("type"))

    async def _heard(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "live.revoke":
            self.close_user(int(message["user"]))
            return
        if kind == "live.availability":
            await self.availability_changed(int(message["user"]))
            return
        if kind == "live.presence":
            self._heard_presence(message)
            return
        if kind == "live.online":
            until = time.monotonic() + 2.5 * self.heartbeat
            for user_id in message["users"]:
                self.elsewhere.setdefault(int(user_id), {})[message["origin"]] = until
            return
        audiences = {
            int(c): store.Audience(int(t), frozenset(int(u) for u in users))
            for c, t, users in message["audiences"]
        }
        if kind == "live.typing":
            (audience,) = audiences.values()
            self._deliver(audience, message["frame"], skip=int(message["user"]))
            return
        if kind == "live.event":
            (audience,) = audiences.values()
            self._deliver(audience, message["frame"])
            return
        await self.woken(message, audiences)

    async def woken(self, message: dict[str, Any], audiences: dict[int, store.Audience]) -> None:
        """Messages or receipts stored elsewhere: read them only if someone here listens."""
        here = set(self.by_user)
        ranges = {
            int(c): (int(first), int(last))
            for c, first, last in message["ranges"]
            if here & audiences[int(c)].user_ids
        }
        for stored in await self.read(store.messages_in, ranges) if ranges else []:
            self._deliver(audiences[stored.conversation_id], stored.frame)
        for conversation_id, frame in message["moved"]:
            self._deliver(audiences[int(conversation_id)], frame)

    def _heard_presence(self, message: dict[str, Any]) -> None:
        mate = _mate_in(message)
        before = self.is_online(mate.user_id)
        seen = self.elsewhere.setdefault(mate.user_id, {})
        if message["online"]:
            seen[message["origin"]] = time.monotonic() + 2.5 * self.heartbeat
        else:
            seen.pop(message["origin"], None)
        after = self.is_online(mate.user_id)
        if before != after or message["online"] == before:
            # Came online, went offline, or the availability changed.
            self._show(mate, online=after)


def _mate_out(mate: store.Teammate) -> dict[str, Any]:
    return {
        "user": mate.user_id,
        "teams": sorted(mate.team_ids),
        "availability": mate.availability,
        "until": mate.until,
    }


def _mate_in(message: dict[str, Any]) -> store.Teammate:
    return store.Teammate(
        int(message["user"]),
        frozenset(int(t) for t in message["teams"]),
        str(message["availability"]),
        message["until"],
    )


# --- what other parts of the application tell the hub (any thread) --------------------------


_gathering = threading.local()


@contextmanager
def gathering_events() -> Iterator[None]:
    """Keep the events this thread leaves for the servers, and write them in one transaction
    at the end: the worker fires hundreds of steps a second, and one commit (an fsync on
    SQLite) per event was most of what each step cost. Events are wake-ups, not the record:
    a worker that dies before the end loses only wake-ups; pages read the truth on connect."""
    _gathering.messages = []
    try:
        yield
    finally:
        messages, _gathering.messages = _gathering.messages, None
        if messages:
            try:
                store.leave_events(messages)
            except DatabaseError:
                log.exception("could not leave %d events for the servers", len(messages))


def _outbox(message: dict[str, Any]) -> None:
    """No hub in this process (the worker, the CLI): leave the message in the database, where
    every server process picks it up within a fraction of a second.

    This runs after a commit: if the database refuses, the change itself stands, and the next
    heartbeat carries what the event would have (so it is logged, not raised).
    """
    gathered: list[dict[str, Any]] | None = getattr(_gathering, "messages", None)
    if gathered is not None:
        gathered.append(message)
        return
    try:
        store.leave_event(message)
    except DatabaseError:
        log.exception("could not leave a %s event for the servers", message.get("type"))


def tell_stored(
    conversation_id: int, *, seq: int | None = None, receipt: str | None = None
) -> None:
    """A message (`seq`) or a receipt frame was committed outside the socket path (the HTTP
    API, a web form): wake the sockets that follow the conversation. Runs in the caller's
    thread, after the commit."""
    hub = Hub.running
    audience = store.audiences({conversation_id}).get(conversation_id)
    if audience is None:
        return
    message: dict[str, Any] = {
        "type": "live.wake",
        "ranges": [[conversation_id, seq, seq]] if seq is not None else [],
        "moved": [[conversation_id, receipt]] if receipt is not None else [],
        "audiences": Hub._audiences_out({conversation_id: audience}),
    }
    if hub is not None:
        hub.loop.call_soon_threadsafe(hub.spawn, hub.woken(message, {conversation_id: audience}))
        if hub.layer is not None:
            hub.loop.call_soon_threadsafe(hub._publish, message)
    else:
        _outbox(message)


def tell_people(team_id: int, user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send an event frame (ids and states, never free text) to these people's sockets in
    `team_id`, on every instance. Call after the change committed; any thread."""
    audience = store.Audience(team_id, frozenset(user_ids))
    frame = frames.dump(event)
    message: dict[str, Any] = {
        "type": "live.event",
        "frame": frame,
        "audiences": Hub._audiences_out({0: audience}),
    }
    hub = Hub.running
    if hub is not None:
        hub.loop.call_soon_threadsafe(hub._deliver, audience, frame)
        if hub.layer is not None:
            hub.loop.call_soon_threadsafe(hub._publish, message)
    else:
        _outbox(message)


def tell(kind: str, user_id: int) -> None:
    """A person's access narrowed ("revoke") or their availability changed ("availability").

    Called from request threads after the change committed: this process's hub acts at once,
    and every other instance hears it through the channel layer or the database.
    """
    hub = Hub.running
    if hub is not None:
        hub.loop.call_soon_threadsafe(hub.told, kind, user_id)
    else:
        _outbox({"type": f"live.{kind}", "user": user_id})


def carry(event: Publishable) -> None:
    """Take a published event (`realtime.publish`) to sockets here and on every instance."""
    if isinstance(event, Event):
        tell_people(event.audience.team_id, event.audience.user_ids, event.wire())
    elif isinstance(event, Revocation):
        tell("revoke", event.user_id)
    else:
        tell("availability", event.user_id)
