"""Faults against real server processes: the promise is "nothing acknowledged is ever lost".

Each test starts its own servers (kill -9 would take the shared one down) and drives them
with `Device`, a client that keeps the protocol's side of the bargain (docs/protocol.md
"Keeping in step"): an outbox resent with the original client_ids on every reconnect, a
cursor per conversation, `resume` on every (re)connect and whenever a gap shows, and
reconnection with backoff and jitter. The database, read through the HTTP API, is the
judge.

They run on SQLite by default and on PostgreSQL when DATABASE_URL is set (CI runs both);
the two-instance test needs PostgreSQL and Redis.
"""

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import redis
import websockets

from tests.live.client import Socket, call
from tests.servers import Server, production_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

HEARTBEAT = 2
# docs/protocol.md: no frame at all for two heartbeat intervals means the connection is dead.
DEAD_AFTER = 2 * HEARTBEAT + 1
# What a person relies on: once the server is back, their phone has caught up this fast.
CATCH_UP = 30.0
CONNECT_FAILED = (OSError, websockets.WebSocketException, TimeoutError)


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


# --- a device that keeps the protocol's promises -------------------------------------------


@dataclass
class Device:
    """One phone: what it sent, what it holds, and every frame it was given."""

    name: str
    token: str
    url: Callable[[], str]
    cursors: dict[int, int]
    window: int = 20
    socket: Socket | None = None
    # Not yet sent (offline, or beyond the window), oldest first.
    pending: list[tuple[str, int, str]] = field(default_factory=list)
    # Sent, not acknowledged: client_id -> (conversation, body), oldest first.
    outbox: dict[str, tuple[int, str]] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)  # client_ids in the order first sent
    outbox_of: dict[str, int] = field(default_factory=dict)  # client_id -> conversation
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    held: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    frames: list[dict[str, Any]] = field(default_factory=list)  # everything received
    errors: list[dict[str, Any]] = field(default_factory=list)
    resuming: set[int] = field(default_factory=set)
    connects: int = 0

    def queue(self, conversation: int, body: str) -> str:
        client_id = str(uuid4())
        self.pending.append((client_id, conversation, body))
        return client_id

    def cursor(self, conversation: int) -> int:
        return self.cursors.get(conversation, 0)

    @property
    def done_sending(self) -> bool:
        return not self.pending and not self.outbox

    async def connect(self) -> Socket:
        delay = 0.1
        while True:
            try:
                socket = await Socket.join(self.url(), self.token)
                break
            except CONNECT_FAILED:
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311  jitter
                delay = min(delay * 2, 2.0)
        self.connects += 1
        self.socket = socket
        self.resuming = set(self.cursors)
        await socket.send(type="resume", cursors={str(c): n for c, n in self.cursors.items()})
        for client_id, (conversation, body) in self.outbox.items():
            await socket.say(conversation, body, client_id=client_id)
        return socket

    async def go_offline(self) -> None:
        """Close the socket; whatever arrives meanwhile is lost, as with a dropped network.

        The frames are read, not left queued: websockets stops reading once its queue is
        full, and would then wait its whole close timeout for the server's close frame.
        """
        if self.socket is None:
            return
        ws, self.socket = self.socket.ws, None
        closing = asyncio.create_task(ws.close())
        with contextlib.suppress(websockets.ConnectionClosed):
            while True:
                await ws.recv()
        await closing

    async def _top_up(self, socket: Socket) -> None:
        while self.pending and len(self.outbox) < self.window:
            client_id, conversation, body = self.pending.pop(0)
            self._outgoing(client_id, conversation, body)
            await socket.say(conversation, body, client_id=client_id)

    def _outgoing(self, client_id: str, conversation: int, body: str) -> None:
        self.outbox[client_id] = (conversation, body)
        self.outbox_of[client_id] = conversation
        self.sent.append(client_id)

    async def send_and_drop(self, conversation: int, body: str) -> str:
        """Send, then lose the connection before the ack can arrive."""
        assert self.socket is not None
        client_id = str(uuid4())
        self._outgoing(client_id, conversation, body)
        await self.socket.say(conversation, body, client_id=client_id)
        await self.go_offline()
        return client_id

    async def run(self, until: Callable[[], bool]) -> None:
        """Stay connected (reconnecting as needed) and send, until `until()` holds."""
        while not until():
            socket = self.socket or await self.connect()
            try:
                while not until():
                    await self._top_up(socket)
                    raw = await asyncio.wait_for(socket.ws.recv(), DEAD_AFTER)
                    await self._on(socket, json.loads(raw))
            except (websockets.ConnectionClosed, TimeoutError):
                self.socket = None
                await socket.ws.close()

    async def _on(self, socket: Socket, frame: dict[str, Any]) -> None:
        self.frames.append(frame)
        kind = frame["type"]
        if kind == "ack":
            self.outbox.pop(frame["client_id"], None)
            self.acks[frame["client_id"]] = frame
        elif kind == "message":
            conversation, seq = frame["conversation"], frame["seq"]
            if seq == self.cursor(conversation) + 1:
                self.held.setdefault(conversation, []).append(frame)
                self.cursors[conversation] = seq
            elif seq > self.cursor(conversation) + 1:
                await self._resume(socket, conversation)
        elif kind == "synced":
            self.resuming.discard(frame["conversation"])
        elif kind == "heartbeat":
            for key, last in frame["conversations"].items():
                if int(key) in self.cursors and last > self.cursor(int(key)):
                    await self._resume(socket, int(key))
        elif kind == "error":
            self.errors.append(frame)
            if frame["code"] == "unavailable":
                # Resent with the rest of the outbox on the next connection.
                raise websockets.ConnectionClosed(None, None)

    async def _resume(self, socket: Socket, conversation: int) -> None:
        if conversation in self.resuming:
            return
        self.resuming.add(conversation)
        await socket.send(type="resume", cursors={str(conversation): self.cursor(conversation)})

    async def send_all(self) -> None:
        await self.run(lambda: self.done_sending)

    async def catch_up(self, last: dict[int, int]) -> None:
        """Keep listening until this device holds every conversation up to `last` and each
        resume it asked for has ended with `synced`.

        When a replay brings the last message, its `synced` is the next frame; stopping at
        the message would leave that frame unread (CI once failed on exactly that).
        """

        def caught_up() -> bool:
            return not self.resuming and all(self.cursor(c) >= n for c, n in last.items())

        await asyncio.wait_for(self.run(caught_up), CATCH_UP)


# --- setting servers up ----------------------------------------------------------------------


@dataclass
class Demo:
    """The demo people's ids and teams on a running server."""

    base: str
    tokens: dict[str, str]
    ids: dict[str, int]
    northside: int

    def api(self, username: str, method: str, path: str, body: object = None) -> Any:
        return call(self.base, self.tokens[username], method, path, body)

    def conversation(self, username: str, *others: str) -> int:
        started = self.api(
            username,
            "POST",
            "/api/v1/conversations",
            {"team_id": self.northside, "member_ids": [self.ids[o] for o in others]},
        )
        return int(started["id"])

    def stored(self, conversation: int, username: str = "sam") -> list[dict[str, Any]]:
        """Every message of the conversation, paged through the HTTP API."""
        found: list[dict[str, Any]] = []
        while True:
            after = found[-1]["seq"] if found else 0
            path = f"/api/v1/conversations/{conversation}/messages?after={after}&limit=200"
            page = self.api(username, "GET", path)
            if not page:
                return found
            found += page


def demo_people(server: Server, usernames: list[str]) -> Demo:
    tokens = {u: server.token(u) for u in ["admin", *usernames]}
    demo = Demo(server.url, tokens, {}, 0)
    teams = demo.api("admin", "GET", "/api/v1/teams")
    demo.northside = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
    for member in demo.api("admin", "GET", f"/api/v1/teams/{demo.northside}/members"):
        demo.ids[member["username"]] = member["id"]
    return demo


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path, suffix="_faults", env={"ROPETEAM_HEARTBEAT_SECONDS": str(HEARTBEAT)})
    server.start("demo", "--port", str(server.port))
    try:
        yield server
    finally:
        server.kill()


def assert_whole(stored: list[dict[str, Any]]) -> None:
    """Seqs 1..n, no gaps, and no (sender, client_id) twice."""
    assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
    keys = [(m["sender_id"], m["client_id"]) for m in stored]
    assert len(set(keys)) == len(keys)


def assert_sent_as_acknowledged(device: Device, stored: dict[int, list[dict[str, Any]]]) -> None:
    """Every message the device sent is stored once, with the acked seq, in sending order."""
    by_client_id = {m["client_id"]: m for messages in stored.values() for m in messages}
    assert set(device.acks) == set(device.sent), f"{device.name} has unacknowledged messages"
    for client_id in device.sent:
        assert client_id in by_client_id, f"{device.name}: {client_id} was acked but is lost"
        assert by_client_id[client_id]["seq"] == device.acks[client_id]["seq"]
    for conversation in stored:
        seqs = [device.acks[c]["seq"] for c in device.sent if device.outbox_of[c] == conversation]
        assert seqs == sorted(seqs), f"{device.name}'s messages are out of the order sent"


def assert_holds(device: Device, stored: dict[int, list[dict[str, Any]]]) -> None:
    """The device holds exactly what the database holds, in order."""
    for conversation, messages in stored.items():
        held = device.held.get(conversation, [])
        assert [(m["seq"], m["client_id"], m["body"]) for m in held] == [
            (m["seq"], m["client_id"], m["body"]) for m in messages
        ], f"{device.name} does not hold conversation {conversation} as stored"


# --- 1. kill -9 in the middle of a burst -----------------------------------------------------

SENDERS = 3
BURST = 200


def test_kill_9_during_a_burst_loses_and_duplicates_nothing_that_was_acknowledged(
    demo_server: Server,
) -> None:
    demo = demo_people(demo_server, ["sam", "morgan"])
    conversation = demo.conversation("sam", "morgan")
    # sam's phone, sam's laptop and morgan's phone all write into one direct conversation.
    devices = [
        Device(f"{name}-{n}", demo.tokens[name], lambda: demo_server.ws_url, {conversation: 0})
        for n, name in enumerate(["sam", "sam", "morgan"])
    ]
    for device in devices:
        for i in range(BURST):
            device.queue(conversation, f"{device.name} #{i}")
    total = SENDERS * BURST

    async def scenario() -> None:
        async def kill_midway() -> None:
            while sum(len(d.acks) for d in devices) < total // 3:
                await asyncio.sleep(0.01)
            await asyncio.to_thread(demo_server.kill)
            in_flight = sum(len(d.outbox) for d in devices)
            await asyncio.to_thread(demo_server.start, "demo", "--port", str(demo_server.port))
            assert in_flight > 0, "the kill should land with messages unacknowledged"

        killer = asyncio.create_task(kill_midway())
        await asyncio.gather(*(d.send_all() for d in devices))
        await killer
        last = demo.stored(conversation)[-1]["seq"]
        await asyncio.gather(*(d.catch_up({conversation: last}) for d in devices))
        for device in devices:
            await device.go_offline()

    run(scenario())

    stored = {conversation: demo.stored(conversation)}
    assert len(stored[conversation]) == total
    assert_whole(stored[conversation])
    for device in devices:
        assert device.connects >= 2, f"{device.name} never saw the kill"
        assert device.errors == []
        assert_sent_as_acknowledged(device, stored)
        # The replay after the restart filled whatever live events the kill swallowed.
        assert_holds(device, stored)


# --- 2. an offline spell -----------------------------------------------------------------------


@dataclass
class OfflineSpell:
    """What happened around sam's time offline, for the checks afterwards."""

    dropped: str = ""  # stored before the disconnect, its ack lost
    queued: list[str] = field(default_factory=list)  # written while offline
    cursors: dict[int, int] = field(default_factory=dict)  # sam's when the socket went
    missed: dict[int, int] = field(default_factory=dict)  # last seqs when sam came back
    back_at: int = 0  # index of sam's first frame after coming back


def test_a_device_back_from_offline_gets_what_it_missed_and_its_queue_is_stored_once(
    demo_server: Server,
) -> None:
    demo = demo_people(demo_server, ["sam", "morgan", "jo"])
    direct = demo.conversation("sam", "morgan")
    group = demo.conversation("sam", "morgan", "jo")
    conversations = (direct, group)

    def device(name: str, *mine: int) -> Device:
        return Device(name, demo.tokens[name], lambda: demo_server.ws_url, dict.fromkeys(mine, 0))

    sam, morgan, jo = (
        device("sam", *conversations),
        device("morgan", *conversations),
        device("jo", group),
    )
    everyone = (sam, morgan, jo)
    spell = OfflineSpell()

    async def scenario() -> None:
        for d in everyone:
            await d.connect()
        for i in range(5):
            for conversation in conversations:
                sam.queue(conversation, f"before {i}")
        await asyncio.gather(*(d.send_all() for d in everyone))
        spell.dropped = await sam.send_and_drop(group, "Stored, but the ack never came")
        while not any(m["client_id"] == spell.dropped for m in demo.stored(group)):
            await asyncio.sleep(0.05)
        spell.cursors = dict(sam.cursors)
        # While sam is offline, the others keep writing, and sam writes into a queue.
        for i in range(30):
            morgan.queue(direct, f"morgan direct {i}")
            morgan.queue(group, f"morgan group {i}")
            jo.queue(group, f"jo group {i}")
        spell.queued = [sam.queue(conversations[i % 2], f"written offline {i}") for i in range(10)]
        await asyncio.gather(morgan.send_all(), jo.send_all())
        spell.missed = {c: demo.stored(c)[-1]["seq"] for c in conversations}
        spell.back_at = len(sam.frames)
        await sam.send_all()  # resume with its cursors, then the outbox, then the queue
        last = {c: demo.stored(c)[-1]["seq"] for c in conversations}
        await asyncio.gather(*(d.catch_up({c: last[c] for c in d.cursors}) for d in everyone))
        for d in everyone:
            await d.go_offline()

    run(scenario())

    stored = {c: demo.stored(c) for c in conversations}
    for messages in stored.values():
        assert_whole(messages)
    for d in everyone:
        assert d.errors == []
        assert_sent_as_acknowledged(d, {c: stored[c] for c in d.cursors})
        assert_holds(d, {c: stored[c] for c in d.cursors})
    # The message whose ack was lost is acknowledged on resending as the same message.
    assert sam.acks[spell.dropped]["duplicate"] is True
    # The queue is stored once each, in the order written, after everything sam missed.
    for conversation in conversations:
        queued = [sam.acks[c] for c in spell.queued if sam.outbox_of[c] == conversation]
        assert [a["duplicate"] for a in queued] == [False] * 5
        first = spell.missed[conversation] + 1
        assert [a["seq"] for a in queued] == list(range(first, first + 5))
        assert_replayed(
            sam.frames[spell.back_at :],
            conversation,
            spell.cursors[conversation],
            spell.missed[conversation],
        )
    # The others were online throughout: sam's messages reached them exactly once each, the
    # resent one included.
    for peer in (morgan, jo):
        heard = [f["client_id"] for f in peer.frames if f["type"] == "message"]
        for client_id in [spell.dropped, *spell.queued]:
            if sam.outbox_of[client_id] in peer.cursors:
                assert heard.count(client_id) == 1, f"{peer.name} got {client_id} that often"


def assert_replayed(
    frames: list[dict[str, Any]], conversation: int, cursor: int, missed: int
) -> None:
    """After `resume` from `cursor`, the messages up to `missed` came in order, each once,
    and then `synced`."""
    replayed = [
        (i, f["seq"])
        for i, f in enumerate(frames)
        if f["type"] == "message" and f["conversation"] == conversation and f["seq"] <= missed
    ]
    assert [seq for _, seq in replayed] == list(range(cursor + 1, missed + 1))
    synced = next(
        i
        for i, f in enumerate(frames)
        if f["type"] == "synced" and f["conversation"] == conversation
    )
    assert frames[synced]["seq"] >= missed
    assert all(i < synced for i, _ in replayed)


# --- 3. two instances behind a load balancer ----------------------------------------------------

LOAD_DEMO = (
    "from ropeteam.cli import _django, _migrate; _django(); _migrate(); "
    "from ropeteam import demo; demo.load()"
)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.skip(
            "needs DATABASE_URL and REDIS_URL: instances share PostgreSQL and Redis "
            "(CI's PostgreSQL run sets both)"
        )
    # What every instance of one installation shares (docs/deployment.md), production-like:
    # not demo mode, keys from the environment; plain HTTP as behind a TLS-ending balancer.
    shared = {**production_env("faults"), "ROPETEAM_HEARTBEAT_SECONDS": str(HEARTBEAT)}
    a = Server(tmp_path / "a", suffix="_pair", env=shared)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    subprocess.run([sys.executable, "-c", LOAD_DEMO], env=a.env, check=True)
    b = Server(
        tmp_path / "b",
        suffix="_pair",
        env={**shared, "DATABASE_URL": a.env["DATABASE_URL"]},
        fresh=False,
    )
    try:
        a.start("serve", "--no-worker", "--port", str(a.port))
        b.start("serve", "--no-worker", "--port", str(b.port))
        yield a, b
    finally:
        a.kill()
        b.kill()


def test_two_instances_share_messages_receipts_and_typing(pair: tuple[Server, Server]) -> None:
    a, b = pair
    demo = demo_people(a, ["sam", "morgan"])
    conversation = demo.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(a.ws_url, demo.tokens["sam"])
        morgan = await Socket.join(b.ws_url, demo.tokens["morgan"])
        client_id = await sam.say(conversation, "Through instance A")
        ack = await sam.next("ack")
        message = await morgan.next("message")
        assert (message["client_id"], message["seq"], message["body"]) == (
            client_id,
            ack["seq"],
            "Through instance A",
        )
        await morgan.send(type="receipt", conversation=conversation, read=ack["seq"])
        receipt = await sam.next("receipt")
        assert (receipt["user"], receipt["delivered"], receipt["read"]) == (
            demo.ids["morgan"],
            ack["seq"],
            ack["seq"],
        )
        await sam.send(type="typing", conversation=conversation)
        typing = await morgan.next("typing")
        assert typing == {"type": "typing", "conversation": conversation, "user": demo.ids["sam"]}
        await sam.close()
        await morgan.close()

    run(scenario())


def test_message_text_never_reaches_redis_yet_the_other_instance_delivers_it(
    pair: tuple[Server, Server],
) -> None:
    """The wake-up carries the batch's frames sealed with the at-rest key: whoever can read
    Redis (its MONITOR sees every command) reads no message."""
    a, b = pair
    demo = demo_people(a, ["sam", "morgan"])
    conversation = demo.conversation("sam", "morgan")
    text = f"Only the two of us read this {uuid4().hex}"
    commands: list[str] = []
    watching = threading.Event()

    def watch() -> None:
        with redis.Redis.from_url(os.environ["REDIS_URL"]).monitor() as monitor:
            watching.set()
            for command in monitor.listen():
                commands.append(str(command["command"]))
                if "stop-watching" in commands[-1]:
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert watching.wait(5)

    async def scenario() -> None:
        sam = await Socket.join(a.ws_url, demo.tokens["sam"])
        morgan = await Socket.join(b.ws_url, demo.tokens["morgan"])
        await sam.say(conversation, text)
        assert (await morgan.next("message"))["body"] == text
        await sam.close()
        await morgan.close()

    run(scenario())
    redis.Redis.from_url(os.environ["REDIS_URL"]).echo("stop-watching")
    watcher.join(5)
    assert any("sealed" in command for command in commands)  # the wake-up was watched
    assert not [command for command in commands if text in command]


def test_kill_9_of_one_instance_moves_its_devices_to_the_other_and_loses_nothing(
    pair: tuple[Server, Server],
) -> None:
    a, b = pair
    demo = demo_people(a, ["sam", "morgan"])
    conversation = demo.conversation("sam", "morgan")
    # The load balancer: A while it answers, then B.
    alive = [a.ws_url, b.ws_url]
    devices = [
        Device("sam-phone", demo.tokens["sam"], lambda: alive[0], {conversation: 0}),
        Device("sam-laptop", demo.tokens["sam"], lambda: alive[0], {conversation: 0}),
        Device("morgan-phone", demo.tokens["morgan"], lambda: b.ws_url, {conversation: 0}),
    ]
    for device in devices:
        for i in range(BURST):
            device.queue(conversation, f"{device.name} #{i}")
    total = len(devices) * BURST

    async def scenario() -> None:
        async def kill_a_midway() -> None:
            while sum(len(d.acks) for d in devices) < total // 3:
                await asyncio.sleep(0.01)
            alive.pop(0)
            await asyncio.to_thread(a.kill)

        killer = asyncio.create_task(kill_a_midway())
        await asyncio.gather(*(d.send_all() for d in devices))
        await killer
        last = demo.stored(conversation)[-1]["seq"]
        await asyncio.gather(*(d.catch_up({conversation: last}) for d in devices))
        for device in devices:
            await device.go_offline()

    demo.base = b.url  # A is about to die; the API is asked through B
    run(scenario())

    stored = {conversation: demo.stored(conversation)}
    assert len(stored[conversation]) == total
    assert_whole(stored[conversation])
    for device in devices:
        assert device.errors == []
        assert_sent_as_acknowledged(device, stored)
        assert_holds(device, stored)
    assert devices[0].connects >= 2 and devices[1].connects >= 2
    assert devices[2].connects == 1  # B's own device never noticed
