"""How fast a Thinking Together request reaches the helpers' phones.

A team of N (default 50) is online, everyone available, each with a websocket. One after
another, a random member asks "anyone available" (POST /api/v1/teams/{id}/thinking); the
time from sending that request to each asked colleague's `thinking` event ("requested")
is the figure: p50/p95/p99/max over every helper of every request. Each request is then
withdrawn, so the next one starts from the same state.

    python bench/thinking.py --team 50 --requests 200 --json thinking.json

Starts its own `ropeteam serve` on SQLite (or `--postgres URL --redis URL --instances 2`),
as bench/realtime.py does; see bench/README.md.
"""

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets

# Run as a script from anywhere: the repository root on the path makes `bench` a package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realtime import (
    BALANCER,
    CpuWatch,
    Servers,
    distribution,
    git_commit,
    loadavg,
    machine,
    raise_fd_limit,
)

Json = dict[str, Any]


def call(base: str, token: str, method: str, path: str, body: object = None) -> Any:
    request = urllib.request.Request(  # noqa: S310  the benchmark's own server
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


async def run(args: argparse.Namespace) -> Json:
    servers = Servers(args, args.team)
    try:
        return await _measure(args, servers)
    finally:
        servers.stop()


async def _measure(args: argparse.Namespace, servers: Servers) -> Json:
    users = servers.users["users"]
    base = servers.urls[0].replace("ws://", "http://").removesuffix("/ws/v1")
    team = call(base, users[0]["token"], "GET", "/api/v1/teams")[0]["id"]
    for user in users:
        call(base, user["token"], "PUT", "/api/v1/me/availability", {"status": "available"})
    arrived: dict[int, dict[int, float]] = {}  # consultation → user → when the event came

    async def listen(index: int, user: Json) -> None:
        url = servers.urls[index % len(servers.urls)]
        headers = {**BALANCER, "Authorization": f"Bearer {user['token']}"}
        async with websockets.connect(url, additional_headers=headers) as socket:
            ready.release()
            async for raw in socket:
                frame = json.loads(raw)
                if frame.get("type") == "thinking" and frame.get("event") == "requested":
                    arrived.setdefault(frame["consultation"], {})[user["id"]] = time.monotonic()

    ready = asyncio.Semaphore(0)
    listeners = [asyncio.create_task(listen(i, u)) for i, u in enumerate(users)]
    for _ in users:
        await asyncio.wait_for(ready.acquire(), 30)
    await asyncio.sleep(1)
    latencies: list[float] = []
    firsts: list[float] = []
    missing = 0
    watch = CpuWatch(lambda: {"server": servers.pids})
    watch.start()
    rng = random.Random(7)
    for _ in range(args.requests):
        seeker = rng.choice(users[1:])
        sent = time.monotonic()
        request = await asyncio.to_thread(
            call,
            base,
            seeker["token"],
            "POST",
            f"/api/v1/teams/{team}/thinking",
            {"task": "decision", "urgency": "now", "mode": "chat", "ask": "team"},
        )
        asked = {a["user_id"] for a in request["asked"]}
        deadline = time.monotonic() + 5
        while len(arrived.get(request["id"], {})) < len(asked) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        times = arrived.get(request["id"], {})
        missing += len(asked - set(times))
        delays = [(times[u] - sent) * 1000 for u in asked if u in times]
        latencies += delays
        if delays:
            firsts.append(min(delays))
        await asyncio.to_thread(
            call, base, seeker["token"], "POST", f"/api/v1/thinking/{request['id']}/cancel"
        )
        await asyncio.sleep(args.interval)
    cpu = watch.stop()
    for listener in listeners:
        listener.cancel()
    return {
        "requests": args.requests,
        "team": args.team,
        "helpers_notified": len(latencies),
        "helpers_missing": missing,
        "request_to_helper_event_ms": distribution(sorted(latencies)),
        "request_to_first_helper_ms": distribution(sorted(firsts)),
        "server_cpu": cpu,
    }


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--team", type=int, default=50, help="people online, a multiple of 5")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--interval", type=float, default=0.2, help="seconds between requests")
    p.add_argument("--postgres", metavar="URL")
    p.add_argument("--redis", metavar="URL")
    p.add_argument("--instances", type=int, default=1)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    args.team_size, args.keep = 0, False  # everyone in one team
    raise_fd_limit()
    before = loadavg()
    figures = asyncio.run(run(args))
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git_commit(),
        "command": "bench/thinking.py " + " ".join(argv),
        "machine": machine(),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        **figures,
    }
    latency = figures["request_to_helper_event_ms"]
    print(
        f"Thinking Together: {args.requests} requests to a team of {args.team} online\n"
        f"  request -> helper's event ms: p50 {latency['p50']} p95 {latency['p95']} "
        f"p99 {latency['p99']} max {latency['max']} over {figures['helpers_notified']} "
        f"helpers ({figures['helpers_missing']} never notified)\n"
        f"  request -> first helper ms: p50 {figures['request_to_first_helper_ms']['p50']} "
        f"p99 {figures['request_to_first_helper_ms']['p99']}\n"
        f"  server CPU {figures['server_cpu']}\n"
        f"  p99 <= 100 ms (the target): {'yes' if latency['p99'] <= 100 else 'NO'}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if figures["helpers_missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
