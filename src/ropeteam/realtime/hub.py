"""One hub per server process: its sockets, presence, the relay between instances, and the
heartbeat; the frames themselves are a domain's (`serve(...)` registers it).

Live events are only wake-ups: the database is the truth, and heartbeats carry what the
domain reads from it (for conversations, each one's last seq).
"""

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import uuid4

from django.conf import settings
from django.utils import timezone

from ropeteam.realtime import outbox
from ropeteam.realtime.conn import ACCESS_CHANGED, Conn, Registry
from ropeteam.realtime.events import Audience, Event, Publishable, Revocation, dump
from ropeteam.realtime.presence import Presence, Teammate, mate_out
from ropeteam.realtime.relay import Relay
from ropeteam.realtime.threads import Readers

log = logging.getLogger(__name__)

PROTOCOL = 1
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Arrival:
    """A person whose socket may stay: their teams, teammates, and the domain's part of the
    `welcome` frame (placed before `presence`)."""

    user_id: int
    team_ids: frozenset[int]
    me: Teammate
    teammates: list[Teammate]
    welcome: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a connected person stands now: their teams, and the domain's part of the
    `heartbeat` frame (placed after `at`)."""

    team_ids: frozenset[int]
    heartbeat: dict[str, Any]


class Domain(Protocol):
    """What the domain that owns the frames (conversations) gives the hub. The synchronous
    functions run on reader threads."""

    def authenticate(self, *, session_key: str | None, bearer: str | None) -> Any: ...
    def session_ends_at(self, session_key: str, user_id: int) -> datetime | None: ...
    def arrive(self, user: Any) -> Arrival: ...
    def teammate(self, user_id: int) -> Teammate | None: ...
    def standings(self, user_ids: set[int]) -> dict[int, Standing]: ...
    def handle(self, conn: Conn, raw: str | bytes | None) -> None: ...
    async def heard(self, message: dict[str, Any]) -> None: ...
    def sweep(self) -> None: ...


_domains: list[Callable[["Hub"], Domain]] = []


def serve(make: Callable[["Hub"], Domain]) -> None:
    """Register the domain whose handlers take the frames (made once per hub)."""
    _domains[:] = [make]


class Hub:
    running: ClassVar["Hub | None"] = None
    _lock = threading.Lock()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.instance = uuid4().hex
        self.heartbeat = settings.HEARTBEAT_SECONDS
        self.tasks: set[asyncio.Task[Any]] = set()
        self.registry = Registry()
        self.presence = Presence(self.registry, self.heartbeat)
        self.readers = Readers(loop)
        self.relay = Relay(self.instance, self.spawn)
        self.domain = _domains[0](self)
        self.spawn(self._beat_loop())
        self.spawn(self.relay.read_outbox(self.readers, self.heard))
        if self.relay.shared:
            self.spawn(self.relay.listen(self.heard))

    @classmethod
    def get(cls) -> "Hub":
        """This process's hub, made on the first socket."""
        with cls._lock:
            if cls.running is None:
                cls.running = cls(asyncio.get_running_loop())
            return cls.running

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = self.loop.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("live task failed", exc_info=task.exception())

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.readers.read(fn, *args, **kwargs)

    # --- sockets coming and going ---------------------------------------------------------

    def attach(self, conn: Conn, arrival: Arrival, *, since: float) -> None:
        """Register a socket whose person was authenticated from monotonic time `since`."""
        was_online = self.presence.is_online(conn.user_id)
        if not self.registry.add(conn, since=since):
            return
        self.presence.profiles[conn.user_id] = arrival.me
        welcome = {
            "type": "welcome",
            "protocol": PROTOCOL,
            "user": arrival.user_id,
            "heartbeat": self.heartbeat,
            **arrival.welcome,
            "presence": [self.presence.entry(m) for m in arrival.teammates],
        }
        conn.push(dump(welcome))
        if not was_online:
            self._announce(arrival.me, online=True)

    def detach(self, conn: Conn) -> None:
        if not self.registry.remove(conn):
            return
        me = self.presence.profiles.pop(conn.user_id, None)
        if me is not None and not self.presence.is_online(conn.user_id):
            self._announce(me, online=False)

    def deliver(self, audience: Audience, frame: str, *, skip: int | None = None) -> None:
        self.registry.deliver(audience, frame, skip=skip)

    # --- heartbeats -----------------------------------------------------------------------

    async def _beat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.beat(self.registry.all())
                self.presence.sweep()
                self.domain.sweep()
                await self.read(outbox.forget_events)
                if self.relay.shared:
                    self.relay.publish(
                        {"type": "live.online", "users": list(self.registry.by_user)}
                    )
            except Exception:
                log.exception("heartbeat failed")

    async def beat(self, conns: Iterable[Conn]) -> None:
        """Tell sockets where they stand (from the database), and close any whose person
        lost access since they connected."""
        conns = list(conns)
        if not conns:
            return
        standings = await self.read(self.domain.standings, {c.user_id for c in conns})
        at = timezone.now().isoformat()
        made: dict[int, str] = {}
        for conn in conns:
            standing = standings.get(conn.user_id)
            if standing is None or not conn.team_ids <= standing.team_ids:
                conn.close(ACCESS_CHANGED)
                continue
            conn.team_ids = standing.team_ids
            if conn.user_id not in made:
                made[conn.user_id] = dump({"type": "heartbeat", "at": at, **standing.heartbeat})
            conn.push(made[conn.user_id])

    # --- presence and revocation ----------------------------------------------------------

    def _announce(self, mate: Teammate, *, online: bool) -> None:
        self.presence.show(mate, online=online)
        if self.relay.shared:
            self.relay.publish({"type": "live.presence", "online": online, **mate_out(mate)})

    def revoke(self, user_id: int, session: str = "") -> None:
        self.registry.close_user(user_id, session=session)
        if self.relay.shared:
            self.relay.publish({"type": "live.revoke", "user": user_id, "session": session})

    def presence_changed(self, user_id: int) -> None:
        self.spawn(self.availability_changed(user_id))

    async def availability_changed(self, user_id: int) -> None:
        mate = await self.read(self.domain.teammate, user_id)
        if mate is not None:
            self._announce(mate, online=self.presence.is_online(user_id))

    def tell(self, audience: Audience, frame: str) -> None:
        """An event frame, here and on the other instances (on the event loop)."""
        self.deliver(audience, frame)
        if self.relay.shared:
            self.relay.publish(_event_message(audience, frame))

    # --- between instances ----------------------------------------------------------------

    async def heard(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "live.revoke":
            self.registry.close_user(int(message["user"]), session=message.get("session", ""))
        elif kind == "live.availability":
            await self.availability_changed(int(message["user"]))
        elif kind == "live.presence":
            self.presence.heard(message)
        elif kind == "live.online":
            self.presence.seen(message["users"], message["origin"])
        elif kind == "live.event":
            (audience,) = audiences_in(message).values()
            self.deliver(audience, message["frame"])
        else:
            await self.domain.heard(message)


def audiences_out(audiences: dict[int, Audience]) -> list[list[Any]]:
    """Audiences by key (a conversation id, or 0) as a relay message carries them."""
    return [[key, a.team_id, sorted(a.user_ids)] for key, a in audiences.items()]


def audiences_in(message: dict[str, Any]) -> dict[int, Audience]:
    return {int(key): Audience.of(team, users) for key, team, users in message["audiences"]}


def _event_message(audience: Audience, frame: str) -> dict[str, Any]:
    return {"type": "live.event", "frame": frame, "audiences": audiences_out({0: audience})}


# --- what other parts of the application tell the hub (any thread) --------------------------


def carry(event: Publishable) -> None:
    """Take a published event to sockets, here and on every instance: through this process's
    hub, or (a process without one: the worker, the CLI) through the event outbox. Called
    after the change committed; any thread."""
    hub = Hub.running
    if isinstance(event, Event):
        frame = event.frame()
        if hub is not None:
            hub.loop.call_soon_threadsafe(hub.tell, event.audience, frame)
        else:
            outbox.leave(_event_message(event.audience, frame))
    elif isinstance(event, Revocation):
        if hub is not None:
            hub.loop.call_soon_threadsafe(hub.revoke, event.user_id, event.session)
        else:
            outbox.leave({"type": "live.revoke", "user": event.user_id, "session": event.session})
    elif hub is not None:
        hub.loop.call_soon_threadsafe(hub.presence_changed, event.user_id)
    else:
        outbox.leave({"type": "live.availability", "user": event.user_id})
