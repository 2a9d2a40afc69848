"""Load-test Ropeteam's realtime path (/ws/v1): latency, loss, CPU and memory per connection.

Method (the one /work/shared/PERFORMANCE.md used for its reference figures): N users in one
team, in conversations of 5, one sender per conversation; every send is acknowledged once
committed, then delivered to the 4 other members. The load is open-loop: sends follow the
schedule whether or not the server keeps up, so latency is not hidden by a slow server
(coordinated omission). Every send carries its client_id and its send time (CLOCK_MONOTONIC,
shared by every process on the machine) in the body.

Scenarios (see bench/README.md for the commands):
  default       --clients 200 --rate 100 --duration 60
  --max         step the rate up until p99 >= 1 s or anything is lost
  --idle N      N idle sockets: server memory per connection

Without --url the script starts its own server(s) on a fresh data folder (SQLite), or on a
fresh PostgreSQL database with Redis (--postgres/--redis, --instances 2).
bench/populate.py makes the users, conversations and tokens; it runs with the server's
environment and is also how to prepare an existing installation for --url.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import multiprocessing
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
# What the TLS-ending balancer in front of the servers adds to every request.
BALANCER = {"X-Forwarded-Proto": "https"}
GROUP = 5  # people per conversation
TICKS = os.sysconf("SC_CLK_TCK")
MAX_STEPS = "250,500,1000,1500,2000,2500,3000,4000,5000,6000"
P99_LIMIT_MS = 1000.0
SATURATED_CPU = 90.0  # % of one core: a generator process above this is the bottleneck
SATURATED_LAG_MS = 50.0  # schedule slip: the generator could not send on time

Json = dict[str, Any]


# --- /proc readings (no psutil) --------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far; 0 if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # Fields after the command name (which may hold spaces): utime is 14th, stime 15th.
    rest = text.rpartition(")")[2].split()
    return (int(rest[11]) + int(rest[12])) / TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is counted in user already
    return total - idle, total


def pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
    return found


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one (inherited by every child)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class CpuWatch:
    """CPU seconds of named groups of processes between `start` and `stop`.

    The groups are looked up again at `stop`: a database backend opened during the run (the
    writer's connection is made on the first send) counts from its start.
    """

    def __init__(self, groups: Callable[[], dict[str, list[int]]]) -> None:
        self.groups = groups
        self.before: dict[int, float] = {}
        self.machine_before = (0, 0)
        self.started = 0.0

    def start(self) -> None:
        self.before = {p: cpu_seconds(p) for pids in self.groups().values() for p in pids}
        self.machine_before = machine_ticks()
        self.started = time.monotonic()

    def stop(self) -> Json:
        seconds = time.monotonic() - self.started
        busy, total = machine_ticks()
        d_busy, d_total = busy - self.machine_before[0], total - self.machine_before[1]
        out: Json = {"wall_s": round(seconds, 3)}
        for name, pids in self.groups().items():
            used = sum(cpu_seconds(p) - self.before.get(p, 0.0) for p in pids)
            out[name] = {
                "cpu_s": round(used, 2),
                "cpu_pct_of_one_core": round(100 * used / seconds, 1) if seconds else 0.0,
            }
        out["machine_busy_pct_all_cores"] = round(100 * d_busy / d_total, 1) if d_total else 0.0
        return out


# --- the installation: data, users and tokens ------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fresh_database(url: str) -> str:
    """A new database named after URL's with this run's pid (`bench_4242`), so two runs at
    once cannot drop each other's; its URL."""
    import psycopg  # noqa: PLC0415  only needed with --postgres

    parts = urllib.parse.urlsplit(url)
    prefix = parts.path.lstrip("/")
    if not prefix or prefix in {"postgres", "test", "template0", "template1"}:
        raise SystemExit(f"--postgres must name a database of its own (not {prefix!r}).")
    name = f"{prefix}_{os.getpid()}"
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    import psycopg  # noqa: PLC0415

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def backend_pids(url: str) -> list[int]:
    """PostgreSQL backends serving this database (the servers' persistent connections)."""
    import psycopg  # noqa: PLC0415

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (parts.path.lstrip("/"),)
        ).fetchall()
    return [int(row[0]) for row in rows]


def _vapid_key() -> str:
    """A fresh VAPID private key, as `ropeteam keys vapid` makes."""
    from ropeteam.notify.vapid import new_key_pair  # noqa: PLC0415  the server's package

    return new_key_pair()[0]


def server_env(data: Path, database_url: str | None, redis_url: str | None) -> dict[str, str]:
    """A production configuration (no DEBUG, no demo mode), so `ropeteam serve` runs as it
    would in production: its own secret and encryption keys, named hosts."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ROPETEAM_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        ROPETEAM_DATA=str(data),
        ROPETEAM_SECRET_KEY=secrets.token_urlsafe(64),
        ROPETEAM_ENCRYPTION_KEYS="bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        ROPETEAM_AUDIT_KEYS="bench:" + base64.urlsafe_b64encode(os.urandom(32)).decode(),
        ROPETEAM_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback, as behind a TLS-ending load balancer (whose
        # X-Forwarded-Proto the clients send: production refuses plain ws:// otherwise).
        ROPETEAM_SSL_REDIRECT="0",
        ROPETEAM_BEHIND_PROXY="1",
        ROPETEAM_VAPID_PRIVATE_KEY=_vapid_key(),
        ROPETEAM_VAPID_SUBJECT="mailto:bench@example.org",
        ROPETEAM_BASE_URL="https://ropeteam.example.org",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _server_limits() -> None:
    # Runs in the server's child process before exec: as many sockets as the hard limit.
    raise_fd_limit()


class Servers:
    """`ropeteam serve` processes sharing one data folder and database, run `--no-worker`
    unless `worker` (the embedded task worker: deadlines and alerts)."""

    def __init__(
        self,
        args: argparse.Namespace,
        clients: int,
        *,
        worker: bool = False,
        grades: str = "practitioner",
    ) -> None:
        self.worker = worker
        self.grades = grades
        self.tmp = tempfile.TemporaryDirectory(prefix="ropeteam-bench-")
        self.data = Path(self.tmp.name)
        self.database_url = fresh_database(args.postgres) if args.postgres else None
        self.keep = bool(args.keep)
        self.env = server_env(self.data, self.database_url, args.redis)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []
        try:
            self._set_up(args, clients)
        except BaseException:
            # A server that never became ready must not outlive the run.
            self.stop()
            raise
        for process, port in zip(self.processes, self.ports, strict=True):
            # For a profiler: py-spy record --pid PID (see bench/README.md).
            print(f"server pid {process.pid} on port {port}, log {self.data}/server-{port}.log")
        sys.stdout.flush()

    def _set_up(self, args: argparse.Namespace, clients: int) -> None:
        started = time.monotonic()
        users_file = self.data / "users.json"
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve().parent / "populate.py"),
                "--clients",
                str(clients),
                "--team-size",
                str(args.team_size),
                "--grades",
                self.grades,
                "--out",
                str(users_file),
            ],
            env=self.env,
            check=True,
        )
        self.users: Json = json.loads(users_file.read_text())
        self.populate_s = time.monotonic() - started
        for _ in range(args.instances):
            self.start_one()

    def start_one(self) -> None:
        port = free_port()
        log = (self.data / f"server-{port}.log").open("ab")
        worker = [] if self.worker else ["--no-worker"]
        process = subprocess.Popen(
            [sys.executable, "-m", "ropeteam.cli", "serve", *worker, "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_server_limits,  # noqa: PLW1509  only setrlimit, no locks taken
        )
        self.processes.append(process)
        self.ports.append(port)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited:\n{self.log_tail(port)}")
            if self._is_ready(port):
                return
            time.sleep(0.2)
        raise SystemExit(f"the server was not ready in 60 s:\n{self.log_tail(port)}")

    def _is_ready(self, port: int) -> bool:
        """/readyz is 200; without an embedded worker, its own parts (database, Redis) are."""
        try:
            url = f"http://127.0.0.1:{port}/readyz"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except urllib.error.HTTPError as error:
            checks = json.loads(error.read())["checks"]
            own = [v for k, v in checks.items() if k not in ("worker", "deadlines")]
            return not self.worker and all(v == "ok" for v in own)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log_tail(self, port: int) -> str:
        return (self.data / f"server-{port}.log").read_text(errors="replace")[-3000:]

    @property
    def urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{port}/ws/v1" for port in self.ports]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.database_url and not self.keep:
            drop_database(self.database_url)
        if self.keep:
            print(f"kept the data folder {self.data} and the database {self.database_url}")
        else:
            self.tmp.cleanup()


# --- the load generator: one asyncio loop per process ----------------------------------------


@dataclass
class Client:
    user_id: int
    token: str
    url: str
    ws: ClientConnection | None = None
    seen: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Talk:
    """A conversation driven by this process: its sender and how many others listen."""

    id: int
    sender: Client
    listeners: int


@dataclass
class Pending:
    conversation: int
    sent_at: float
    expected: int
    received: int = 0
    acked: bool = False


@dataclass
class Step:
    """What one process saw during one run at one rate."""

    inflight: dict[str, Pending] = field(default_factory=dict)
    sent: int = 0
    acked: int = 0
    ack_duplicate: int = 0
    delivered: int = 0
    ack_ms: list[float] = field(default_factory=list)
    deliver_ms: list[float] = field(default_factory=list)
    max_lag_ms: float = 0.0
    duplicates: int = 0  # the same (conversation, seq) twice on one socket
    late: int = 0  # deliveries or acks of messages from an earlier step
    errors: Counter[str] = field(default_factory=Counter)


class Generator:
    def __init__(self, spec: Json) -> None:
        self.clients = [Client(c["id"], c["token"], c["url"]) for c in spec["clients"]]
        by_id = {c.user_id: c for c in self.clients}
        self.talks = [
            Talk(t["id"], by_id[t["sender"]], len(t["members"]) - 1) for t in spec["talks"]
        ]
        self.body_bytes: int = spec["body_bytes"]
        self.compression: bool = spec["compression"]
        self.step = Step()
        self.frames: Counter[str] = Counter()
        self.closed: Counter[str] = Counter()
        self.readers: list[asyncio.Task[None]] = []

    async def connect_all(self, concurrency: int = 50) -> Json:
        gate = asyncio.Semaphore(concurrency)
        failures: Counter[str] = Counter()
        started = time.monotonic()

        async def one(client: Client) -> None:
            async with gate:
                try:
                    ws = await connect(
                        client.url,
                        additional_headers={**BALANCER, "Authorization": f"Bearer {client.token}"},
                        compression="deflate" if self.compression else None,
                        max_size=None,
                        open_timeout=120,
                        ping_interval=None,  # browsers do not ping; the server's heartbeat does
                        close_timeout=2,
                    )
                    welcome = json.loads(await asyncio.wait_for(ws.recv(), 120))
                except (OSError, TimeoutError, websockets.WebSocketException) as error:
                    failures[type(error).__name__] += 1
                    return
                if welcome.get("type") != "welcome":
                    failures[f"first frame {welcome.get('type')}"] += 1
                    await ws.close()
                    return
                client.ws = ws
                self.readers.append(asyncio.create_task(self.read(client)))

        await asyncio.gather(*(one(c) for c in self.clients))
        return {
            "connected": sum(c.ws is not None for c in self.clients),
            "failed": dict(failures),
            "seconds": round(time.monotonic() - started, 2),
        }

    async def read(self, client: Client) -> None:
        assert client.ws is not None
        try:
            async for raw in client.ws:
                now = time.monotonic()
                frame = json.loads(raw)
                kind = frame["type"]
                self.frames[kind] += 1
                if kind == "message":
                    self.on_message(client, frame, now)
                elif kind == "ack":
                    self.on_ack(frame, now)
                elif kind == "error":
                    self.step.errors[f"error:{frame.get('code')}"] += 1
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else "none"
            self.closed[f"closed:{code}"] += 1
            return
        self.closed["closed:1000"] += 1

    def on_message(self, client: Client, frame: Json, now: float) -> None:
        key = (frame["conversation"], frame["seq"])
        if key in client.seen:
            self.step.duplicates += 1
            return
        client.seen.add(key)
        if frame["sender"] == client.user_id:
            return  # the sender's own socket hears its message too: not a delivery
        pending = self.step.inflight.get(frame["client_id"])
        if pending is None:
            self.step.late += 1
            return
        sent_at = float(frame["body"].split(" ", 1)[0])
        self.step.deliver_ms.append((now - sent_at) * 1000)
        self.step.delivered += 1
        pending.received += 1

    def on_ack(self, frame: Json, now: float) -> None:
        pending = self.step.inflight.get(frame["client_id"])
        if pending is None:
            self.step.late += 1
            return
        if frame.get("duplicate"):
            self.step.ack_duplicate += 1
        if not pending.acked:
            pending.acked = True
            self.step.acked += 1
            self.step.ack_ms.append((now - pending.sent_at) * 1000)

    async def run(self, rate: float, duration: float, start_at: float, grace: float) -> Json:
        self.step = step = Step()
        talks = [t for t in self.talks if t.sender.ws is not None]
        total = int(rate * duration)
        pad = "x" * max(0, self.body_bytes - 18)
        index = 0
        while index < total and talks:
            now = time.monotonic()
            due = start_at + index / rate
            if due > now:
                await asyncio.sleep(due - now)
                continue
            step.max_lag_ms = max(step.max_lag_ms, (now - due) * 1000)
            # Send what is due, but let the readers run at least every 50 sends.
            for _ in range(50):
                if index >= total or start_at + index / rate > now:
                    break
                talk = talks[index % len(talks)]
                index += 1
                client_id = str(uuid.uuid4())
                sent_at = time.monotonic()
                step.inflight[client_id] = Pending(talk.id, sent_at, talk.listeners)
                text = json.dumps(
                    {
                        "type": "send",
                        "conversation": talk.id,
                        "client_id": client_id,
                        "body": f"{sent_at:.6f} {pad}",
                    }
                )
                assert talk.sender.ws is not None
                try:
                    await talk.sender.ws.send(text)
                    step.sent += 1
                except websockets.ConnectionClosed:
                    del step.inflight[client_id]
                    step.errors["send on a closed socket"] += 1
            await asyncio.sleep(0)
        sending_done = time.monotonic()
        # Grace: wait until every acked message reached all its listeners, or time is up.
        deadline = sending_done + grace
        while time.monotonic() < deadline:
            if all(p.acked and p.received >= p.expected for p in step.inflight.values()):
                break
            await asyncio.sleep(0.05)
        unacked = sum(not p.acked for p in step.inflight.values())
        expected = sum(p.expected for p in step.inflight.values() if p.acked)
        received = sum(p.received for p in step.inflight.values() if p.acked)
        return {
            "sent": step.sent,
            "acked": step.acked,
            "ack_duplicate": step.ack_duplicate,
            "unacked": unacked,
            "deliveries_expected": expected,
            "deliveries_received": received,
            "lost": expected - received,
            "errors": dict(step.errors),
            "ack_ms": step.ack_ms,
            "deliver_ms": step.deliver_ms,
            "max_lag_ms": round(step.max_lag_ms, 1),
            "duplicates": step.duplicates,
            "late": step.late,
            "send_seconds": round(sending_done - start_at, 3),
            "drain_seconds": round(time.monotonic() - sending_done, 3),
        }

    def counters(self) -> Json:
        return {
            "frames": dict(self.frames),
            "closed": dict(self.closed),
            "open": sum(c.ws is not None and c.ws.state.name == "OPEN" for c in self.clients),
        }

    async def close_all(self) -> None:
        await asyncio.gather(
            *(c.ws.close() for c in self.clients if c.ws is not None), return_exceptions=True
        )
        for task in self.readers:
            task.cancel()


def worker_main(spec: Json, pipe: Connection) -> None:
    """A generator process: does what the parent says over `pipe`, answers each command."""
    raise_fd_limit()
    try:
        import uvloop  # noqa: PLC0415

        uvloop.run(_serve_commands(spec, pipe))
    except ImportError:
        asyncio.run(_serve_commands(spec, pipe))


async def _serve_commands(spec: Json, pipe: Connection) -> None:
    generator = Generator(spec)
    loop = asyncio.get_running_loop()
    while True:
        command: Json = await loop.run_in_executor(None, pipe.recv)
        name = command["cmd"]
        if name == "connect":
            pipe.send(await generator.connect_all())
        elif name == "run":
            result = await generator.run(
                command["rate"], command["duration"], command["start_at"], command["grace"]
            )
            pipe.send({**result, **generator.counters()})
        elif name == "counters":
            pipe.send(generator.counters())
        elif name == "close":
            await generator.close_all()
            pipe.send(generator.counters())
            return


class Fleet:
    """K generator processes, the conversations split between them (each whole in one)."""

    def __init__(self, users: Json, urls: list[str], procs: int, args: argparse.Namespace) -> None:
        people = users["users"]
        conversations = users["conversations"]
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for k in range(procs):
            mine = conversations[k::procs]
            clients, talks = [], []
            for conversation in mine:
                ids = [people[i]["id"] for i in conversation["members"]]
                # Members spread over the instances, so fan-out crosses between them.
                for position, i in enumerate(conversation["members"]):
                    url = urls[position % len(urls)]
                    clients.append({"id": people[i]["id"], "token": people[i]["token"], "url": url})
                talks.append({"id": conversation["id"], "sender": ids[0], "members": ids})
            spec = {
                "clients": clients,
                "talks": talks,
                "body_bytes": args.body_bytes,
                "compression": args.compression,
            }
            parent, child = context.Pipe()
            process = context.Process(target=worker_main, args=(spec, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def ask(self, command: Json) -> list[Json]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def close(self) -> list[Json]:
        answers = self.ask({"cmd": "close"})
        for process in self.processes:
            process.join(timeout=10)
        return answers


# --- figures ---------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    # Nearest rank: the smallest value with at least q % of the values at or below it.
    rank = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[rank]


def distribution(values: list[float]) -> Json:
    values = sorted(values)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(values[-1], 2),
    }


def merge(parts: list[Json], rate: float, duration: float, cpu: Json, procs: int) -> Json:
    total: Json = {"target_rate": rate, "duration_s": duration}
    for key in (
        "sent",
        "acked",
        "ack_duplicate",
        "unacked",
        "deliveries_expected",
        "deliveries_received",
        "lost",
        "duplicates",
        "late",
    ):
        total[key] = sum(int(p[key]) for p in parts)
    errors: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for p in parts:
        errors.update(p["errors"])
        closed.update(p["closed"])
    total["errors"] = dict(errors)
    total["closed_sockets"] = dict(closed)
    total["ack_ms"] = distribution([v for p in parts for v in p["ack_ms"]])
    total["deliver_ms"] = distribution([v for p in parts for v in p["deliver_ms"]])
    send_seconds = max(p["send_seconds"] for p in parts) or duration
    total["achieved_rate"] = round(total["sent"] / send_seconds, 1)
    total["deliveries_per_s"] = round(total["deliveries_received"] / send_seconds, 1)
    total["max_schedule_lag_ms"] = max(p["max_lag_ms"] for p in parts)
    total["drain_s"] = max(p["drain_seconds"] for p in parts)
    total["cpu"] = cpu
    server_cpu = cpu.get("server", {}).get("cpu_s", 0.0)
    total["server_cpu_ms_per_message"] = (
        round(1000 * server_cpu / total["acked"], 3) if total["acked"] else None
    )
    per_proc = cpu.get("generator", {}).get("cpu_pct_of_one_core", 0.0) / max(procs, 1)
    total["generator_cpu_pct_per_process"] = round(per_proc, 1)
    total["generator_saturated"] = per_proc >= SATURATED_CPU
    # Behind schedule without using its CPU: something else held the cores.
    total["generator_starved"] = (
        not total["generator_saturated"] and total["max_schedule_lag_ms"] >= SATURATED_LAG_MS
    )
    total["clean"] = (
        total["lost"] == 0
        and total["unacked"] == 0
        and total["duplicates"] == 0
        and not errors
        and not closed
    )
    return total


def machine() -> Json:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args],  # noqa: S607  git from PATH, like any developer
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src", "bench")
    return commit + (" (with uncommitted changes in src/ or bench/)" if dirty else "")


def loadavg() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


# --- scenarios -------------------------------------------------------------------------------


def run_step(
    fleet: Fleet, watch: CpuWatch, *, rate: float, duration: float, grace: float, procs: int
) -> Json:
    share = rate / procs
    start_at = time.monotonic() + 0.5
    watch.start()
    parts = fleet.ask(
        {"cmd": "run", "rate": share, "duration": duration, "start_at": start_at, "grace": grace}
    )
    cpu = watch.stop()
    return merge(parts, rate, duration, cpu, procs)


def passed(step: Json) -> bool:
    p99 = step["deliver_ms"].get("p99", float("inf"))
    return bool(step["clean"]) and p99 < P99_LIMIT_MS and step["sent"] > 0


def scenario_load(
    args: argparse.Namespace, users: Json, urls: list[str], groups: Callable[[], Json]
) -> Json:
    fleet = Fleet(users, urls, args.procs, args)
    try:
        connected = fleet.ask({"cmd": "connect"})
        report: Json = {
            "connect": {
                "connected": sum(c["connected"] for c in connected),
                "failed": sum(sum(c["failed"].values()) for c in connected),
                "seconds": max(c["seconds"] for c in connected),
            }
        }
        time.sleep(args.settle)  # presence announcements of the arrivals die down
        watch = CpuWatch(lambda: {**groups(), "generator": fleet.pids})
        if args.max:
            steps = []
            rates = [float(r) for r in args.steps.split(",")]
            best = None
            for rate in rates:
                step = run_step(
                    fleet,
                    watch,
                    rate=rate,
                    duration=args.step_duration,
                    grace=args.grace,
                    procs=args.procs,
                )
                step["passed"] = passed(step)
                step["loadavg"] = loadavg()
                steps.append(step)
                print_step(step, prefix=f"  step {rate:g} msg/s: ")
                if not step["passed"]:
                    break
                best = rate
                time.sleep(args.settle)
            report["steps"] = steps
            report["max_sustained_rate"] = best
        else:
            step = run_step(
                fleet,
                watch,
                rate=args.rate,
                duration=args.duration,
                grace=args.grace,
                procs=args.procs,
            )
            step["passed"] = passed(step)
            report["run"] = step
    finally:
        fleet.close()
    return report


def settle_rss(pids: list[int], timeout: float = 60.0) -> int:
    """The servers' total RSS once it stopped moving (3 readings 1 s apart within 0.5 %)."""
    readings: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readings.append(sum(rss_kib(p) for p in pids))
        last = readings[-3:]
        if len(last) == 3 and max(last) - min(last) <= 0.005 * max(last):
            break
        time.sleep(1)
    return readings[-1]


def scenario_idle(
    args: argparse.Namespace, users: Json, urls: list[str], groups: Callable[[], Json]
) -> Json:
    server_pids = groups()["server"]
    # One socket first, so the hub, its threads and its caches exist before "before".
    warm = Fleet(
        {
            "users": users["users"][:GROUP],
            "conversations": [{"id": 0, "members": list(range(GROUP))}],
        },
        urls,
        1,
        args,
    )
    warm.ask({"cmd": "connect"})
    warm.close()
    before = settle_rss(server_pids)
    fleet = Fleet(users, urls, args.procs, args)
    try:
        started = time.monotonic()
        connected = fleet.ask({"cmd": "connect"})
        connect_s = time.monotonic() - started
        n = sum(c["connected"] for c in connected)
        after = settle_rss(server_pids)
        watch = CpuWatch(lambda: {**groups(), "generator": fleet.pids})
        watch.start()
        time.sleep(args.idle_hold)
        cpu = watch.stop()
        counters = fleet.ask({"cmd": "counters"})
    finally:
        fleet.close()
    frames: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    for c in counters:
        frames.update(c["frames"])
        closed.update(c["closed"])
    return {
        "idle": {
            "connections": n,
            "failed": sum(sum(c["failed"].values()) for c in connected),
            "connect_seconds": round(connect_s, 2),
            "server_rss_before_kib": before,
            "server_rss_after_kib": after,
            "kib_per_connection": round((after - before) / n, 1) if n and server_pids else None,
            "hold_s": args.idle_hold,
            "frames_received": dict(frames),
            "closed_sockets": dict(closed),
            "open_at_end_of_hold": sum(c["open"] for c in counters),
            "cpu_during_hold": cpu,
        }
    }


# --- output ----------------------------------------------------------------------------------


def print_step(step: Json, prefix: str = "") -> None:
    d, a, cpu = step["deliver_ms"], step["ack_ms"], step["cpu"]
    verdict = "PASS" if step.get("passed") else "FAIL"
    print(
        f"{prefix}{verdict}  sent {step['sent']} ({step['achieved_rate']}/s of "
        f"{step['target_rate']:g}), acked {step['acked']}, deliveries "
        f"{step['deliveries_received']}/{step['deliveries_expected']} "
        f"({step['deliveries_per_s']}/s), lost {step['lost']}, unacked {step['unacked']}, "
        f"duplicates {step['duplicates']}, errors {step['errors'] or 0}, "
        f"closed {step['closed_sockets'] or 0}"
    )
    print(
        f"{' ' * len(prefix)}      deliver ms p50 {d.get('p50')} p95 {d.get('p95')} "
        f"p99 {d.get('p99')} max {d.get('max')} | ack ms p50 {a.get('p50')} "
        f"p95 {a.get('p95')} p99 {a.get('p99')} max {a.get('max')}"
    )
    groups = [k for k in cpu if isinstance(cpu[k], dict)]
    shown = ", ".join(
        f"{k} {cpu[k]['cpu_s']} s = {cpu[k]['cpu_pct_of_one_core']} %" for k in groups
    )
    print(
        f"{' ' * len(prefix)}      CPU over {cpu['wall_s']} s (% of one core): {shown}; "
        f"machine busy {cpu['machine_busy_pct_all_cores']} % of all cores; server "
        f"{step['server_cpu_ms_per_message']} ms CPU/message; schedule lag max "
        f"{step['max_schedule_lag_ms']} ms; drain {step['drain_s']} s"
    )
    if step["generator_saturated"]:
        print(
            f"{' ' * len(prefix)}      GENERATOR SATURATED: a generator process used "
            f"{step['generator_cpu_pct_per_process']} % of a core; the load generator, not the "
            "server, may be the limit (try --procs)"
        )
    if step["generator_starved"]:
        print(
            f"{' ' * len(prefix)}      MACHINE BUSY: the generator fell "
            f"{step['max_schedule_lag_ms']} ms behind its schedule using only "
            f"{step['generator_cpu_pct_per_process']} % of a "
            "core; other processes held the CPUs, so these latencies are not the server's alone"
        )


def print_report(report: Json) -> None:
    meta = report["meta"]
    print()
    print(f"Ropeteam realtime benchmark, {meta['date']}, commit {meta['commit']}")
    print(f"  command: {meta['command']}")
    print(
        f"  machine: {meta['machine']['cpus']} CPUs ({meta['machine']['cpu_model']}), "
        f"{meta['machine']['memory_gib']} GiB; load average before {meta['loadavg_before']}, "
        f"after {meta['loadavg_after']}"
    )
    print(
        f"  server: {meta['server']}; generator: {meta['procs']} process(es), "
        f"uvloop {meta['uvloop']}, open-files limit {meta['fd_limit']}"
    )
    if "connect" in report:
        c = report["connect"]
        print(f"  connected {c['connected']} sockets in {c['seconds']} s ({c['failed']} failed)")
    if "run" in report:
        print_step(report["run"], prefix="  ")
        run = report["run"]
        within = run["clean"] and run["deliver_ms"].get("p99", float("inf")) <= 50
        print(
            "  p99 <= 50 ms with nothing lost, duplicated or failed (the 100 msg/s target): "
            + ("yes" if within else "NO")
        )
    if "steps" in report:
        best = report["max_sustained_rate"]
        print(
            f"  Highest rate with p99 < 1 s and nothing lost: "
            f"{best if best is not None else 'none'} msg/s (target >= 1,000)"
        )
    if "idle" in report:
        i = report["idle"]
        print(
            f"  {i['connections']} idle sockets ({i['failed']} failed, "
            f"{i['connect_seconds']} s to connect): server RSS {i['server_rss_before_kib']} -> "
            f"{i['server_rss_after_kib']} KiB = {i['kib_per_connection']} KiB per connection "
            "(target <= 50)"
        )
        cpu = i["cpu_during_hold"]
        print(
            f"  held {i['hold_s']} s: frames {i['frames_received']}, closed "
            f"{i['closed_sockets'] or 0}, open at the end {i['open_at_end_of_hold']}; server CPU "
            f"{cpu['server']['cpu_pct_of_one_core']} % of one core"
        )


# --- command line ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Load-test Ropeteam's /ws/v1 path (docs/protocol.md); see bench/README.md.",
    )
    p.add_argument("--clients", type=int, default=200, help="sockets, a multiple of 5")
    p.add_argument("--rate", type=float, default=100, help="messages per second, all senders")
    p.add_argument("--duration", type=float, default=60, help="seconds of sending")
    p.add_argument("--max", action="store_true", help="step the rate up (--steps)")
    p.add_argument("--steps", default=MAX_STEPS, help="rates for --max, comma-separated")
    p.add_argument("--step-duration", type=float, default=20)
    p.add_argument("--idle", type=int, metavar="N", help="open N idle sockets instead")
    p.add_argument("--idle-hold", type=float, default=30, help="seconds to hold idle sockets")
    p.add_argument("--procs", type=int, default=1, help="load-generator processes")
    p.add_argument("--grace", type=float, default=5, help="seconds to wait for stragglers")
    p.add_argument("--settle", type=float, default=3, help="seconds between connecting and load")
    p.add_argument("--body-bytes", type=int, default=60, help="length of each message body")
    p.add_argument("--compression", action="store_true", help="offer permessage-deflate")
    p.add_argument("--team-size", type=int, default=0, help="0: everyone in one team")
    p.add_argument("--postgres", metavar="URL", help="a database of its own, e.g. .../bench")
    p.add_argument("--redis", metavar="URL", help="e.g. redis://127.0.0.1:6379/3")
    p.add_argument("--instances", type=int, default=1, help="server processes (needs --redis)")
    p.add_argument("--url", action="append", help="existing server(s) ws://.../ws/v1")
    p.add_argument("--users", type=Path, help="with --url: the file bench/populate.py wrote")
    p.add_argument("--server-pid", type=int, action="append", help="with --url: for CPU/RSS")
    p.add_argument("--keep", action="store_true", help="keep the data folder and database")
    p.add_argument("--json", type=Path, help="write the figures here")
    return p


def checked(args: argparse.Namespace) -> int:
    """The number of sockets to open, once the arguments make sense together."""
    clients: int = args.idle or args.clients
    if clients % GROUP or (args.team_size and args.team_size % GROUP):
        raise SystemExit(f"--clients, --idle and --team-size must be multiples of {GROUP}.")
    if args.instances > 1 and not args.redis:
        raise SystemExit("--instances > 1 needs --redis (instances wake each other through it).")
    if args.url and args.users is None:
        raise SystemExit("--url needs --users (from bench/populate.py).")
    return clients


def describe(argv: list[str], procs: int, fd_limit: int) -> Json:
    try:
        import uvloop  # noqa: F401, PLC0415

        has_uvloop = True
    except ImportError:
        has_uvloop = False
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "command": " ".join(["bench/realtime.py", *argv]),
        "machine": machine(),
        "loadavg_before": loadavg(),
        "procs": procs,
        "uvloop": has_uvloop,
        "fd_limit": fd_limit,
    }


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    clients = checked(args)
    fd_limit = raise_fd_limit()
    if fd_limit < clients + 100:
        raise SystemExit(f"the open-files limit is {fd_limit}; raise the hard limit (ulimit -Hn).")
    meta = describe(argv, args.procs, fd_limit)
    servers = None
    try:
        if args.url:
            users = json.loads(args.users.read_text())
            urls = args.url
            server_pids = args.server_pid or []
            meta["server"] = f"existing at {', '.join(urls)}"
            database_url = None
        else:
            servers = Servers(args, clients)
            users, urls, server_pids = servers.users, servers.urls, servers.pids
            database_url = servers.database_url
            kind = "PostgreSQL + Redis" if args.postgres else "SQLite"
            meta["server"] = (
                f"{args.instances} x `ropeteam serve --no-worker` on {kind}, production "
                f"settings (no DEBUG); {clients} users set up in {servers.populate_s:.1f} s"
            )

        def groups() -> dict[str, list[int]]:
            found = {"server": server_pids}
            if database_url:
                found["postgres"] = backend_pids(database_url)
            if args.redis:
                found["redis"] = pids_named("redis-server")
            return found

        if args.idle:
            report = scenario_idle(args, users, urls, groups)
        else:
            report = scenario_load(args, users, urls, groups)
    finally:
        if servers is not None:
            servers.stop()
    meta["loadavg_after"] = loadavg()
    report = {"meta": meta, **report}
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"  figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
