"""How fast a concern reaches the colleague, and whether its deadlines fire on time.

A team of N (default 50) is online, each with a websocket, its members graded newly
qualified, practitioner and senior practitioner in turn, so concerns go upward, level and
downward. The server is `ropeteam serve` with its embedded task worker, as in production.
The team lead only receives escalations: with the lead one of the two, an escalation would
need a next person up, which bench/populate.py does not make.

  raise      One after another, a random member raises a Probe with a random colleague
             (POST /api/v1/teams/{id}/concerns). The figure is the time from sending it to
             the colleague's `concern` event ("raised"). Then the raiser resolves it, so
             nothing is left waiting. Every frame about a concern is checked against who may
             hear it (the two of them only): leaks must be 0.
  deadlines  The lead sets every level's time to answer to T s (default 10); K concerns
             (default 300) are raised over a spread of S s (default 30) and nobody answers.
             The worker re-sends each T s after it was raised and escalates it to the lead T s
             after that. The figures are how late each re-send and escalation was written
             after its due time (the Entry row against its step's `due_at` on the engine), and
             how late its event reached the colleague (re-send) or the lead (escalation);
             each concern must be re-sent once and escalated once.

    python bench/concerns.py raise --team 50 --concerns 200 --json concerns-raise.json
    python bench/concerns.py deadlines --concerns 300 --json concerns-deadlines.json

Targets: the colleague's event p99 <= 100 ms (as Thinking Together); every re-send and
escalation within 2 s of its due time at p99 (as field visits). See bench/README.md.
"""

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
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
from bench.thinking import call
from ropeteam.people.flow import Grade

Json = dict[str, Any]
GRADES = "newly_qualified,practitioner,senior_practitioner"
LEVELS = ("probe", "alert", "challenge", "escalate")
STEPS = ("resent", "escalated")
EVENT_MS = 100.0  # target: the colleague's event at p99
LATE_MS = 2000.0  # target: a re-send or escalation after its due time at p99


@dataclass(frozen=True)
class Heard:
    """One `concern` frame on one person's socket."""

    user_id: int
    event: str
    at: float  # time.monotonic(), against the moment a request was sent
    wall: float  # time.time(), against the server's timestamps (the same machine's clock)


class Online:
    """Everyone's socket, and every `concern` frame each of them heard, by concern."""

    def __init__(self) -> None:
        self.heard: defaultdict[int, list[Heard]] = defaultdict(list)
        self.listeners: list[asyncio.Task[None]] = []

    async def connect(self, urls: list[str], users: list[Json]) -> None:
        ready = asyncio.Semaphore(0)
        self.listeners = [
            asyncio.create_task(self._listen(urls[i % len(urls)], user, ready))
            for i, user in enumerate(users)
        ]
        for _ in users:
            await asyncio.wait_for(ready.acquire(), 30)
        await asyncio.sleep(1)  # the arrivals' presence frames die down

    async def _listen(self, url: str, user: Json, ready: asyncio.Semaphore) -> None:
        headers = {**BALANCER, "Authorization": f"Bearer {user['token']}"}
        async with websockets.connect(url, additional_headers=headers) as socket:
            ready.release()
            async for raw in socket:
                frame = json.loads(raw)
                if frame.get("type") == "concern":
                    heard = Heard(user["id"], frame["event"], time.monotonic(), time.time())
                    self.heard[frame["concern"]].append(heard)

    def first(self, concern_id: int, user_id: int, event: str) -> Heard | None:
        return next(
            (h for h in self.heard[concern_id] if h.user_id == user_id and h.event == event), None
        )

    async def wait(self, concern_id: int, user_id: int, event: str, timeout: float) -> Heard | None:
        deadline = time.monotonic() + timeout
        while (heard := self.first(concern_id, user_id, event)) is None:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(0.002)
        return heard

    def close(self) -> None:
        for listener in self.listeners:
            listener.cancel()


def tally(heard: list[Heard], audience: dict[str, set[int]]) -> Counter[str]:
    """A concern's frames against who should hear each event: missing, twice, leaked (heard
    by someone it was not for), and events of a kind not expected at all."""
    got = Counter((h.event, h.user_id) for h in heard)
    counts: Counter[str] = Counter()
    for event, people in audience.items():
        counts["missing"] += sum(got[(event, u)] == 0 for u in people)
    for (event, user_id), n in got.items():
        if event not in audience:
            counts["unexpected"] += n
        elif user_id not in audience[event]:
            counts["leaked"] += n
        else:
            counts["twice"] += n - 1
    return counts


def direction(raiser: Json, colleague: Json) -> str:
    """Where the colleague stands relative to the raiser's grade (as the server records it)."""
    up, down = Grade(colleague["grade"]).rank, Grade(raiser["grade"]).rank
    return "upward" if up > down else "downward" if up < down else "level"


@dataclass
class Bench:
    """The server, its team online, and who may raise concerns."""

    servers: Servers
    online: Online
    base: str  # http://host:port
    team: int
    lead: Json
    members: list[Json]  # everyone but the lead

    def api(self, user: Json, method: str, path: str, body: object = None) -> Any:
        return call(self.base, user["token"], method, "/api/v1" + path, body)

    async def raise_probe(self, raiser: Json, colleague: Json) -> Json:
        concern: Json = await asyncio.to_thread(
            self.api,
            raiser,
            "POST",
            f"/teams/{self.team}/concerns",
            {
                "colleague_id": colleague["id"],
                "level": "probe",
                "noticed": "The visit plan for tonight has no second worker.",
                "asking": "Can we look at it together before six?",
            },
        )
        return concern

    def watch(self) -> CpuWatch:
        """CPU of the servers and of their embedded workers (each server's child process)."""

        def groups() -> dict[str, list[int]]:
            pids = self.servers.pids
            children = [Path(f"/proc/{p}/task/{p}/children").read_text().split() for p in pids]
            return {"server": pids, "worker": [int(c) for found in children for c in found]}

        return CpuWatch(groups)


# --- raise: the colleague's event -------------------------------------------------------------


async def scenario_raise(args: argparse.Namespace, bench: Bench) -> Json:
    rng = random.Random(7)
    latencies: list[float] = []
    responses: list[float] = []
    pairs: dict[int, tuple[Json, Json]] = {}
    watch = bench.watch()
    watch.start()
    for _ in range(args.concerns):
        raiser, colleague = rng.sample(bench.members, 2)
        sent = time.monotonic()
        concern = await bench.raise_probe(raiser, colleague)
        responses.append((time.monotonic() - sent) * 1000)
        pairs[concern["id"]] = (raiser, colleague)
        heard = await bench.online.wait(concern["id"], colleague["id"], "raised", args.timeout)
        if heard is not None:
            latencies.append((heard.at - sent) * 1000)
        await asyncio.to_thread(
            bench.api,
            raiser,
            "POST",
            f"/concerns/{concern['id']}/resolve",
            {"resolution": "resolved"},
        )
        await asyncio.sleep(args.interval)
    cpu = watch.stop()
    await asyncio.sleep(args.grace)  # stray or repeated frames
    frames: Counter[str] = Counter()
    for concern_id, (raiser, colleague) in pairs.items():
        two = {raiser["id"], colleague["id"]}
        frames += tally(bench.online.heard[concern_id], {"raised": two, "resolved": two})
    directions = Counter(direction(r, c) for r, c in pairs.values())
    figures = await asyncio.to_thread(
        bench.api, bench.lead, "GET", f"/teams/{bench.team}/concerns/activity"
    )
    return {
        "concerns": args.concerns,
        "team": args.team,
        "colleague_events": len(latencies),
        "colleague_events_missing": args.concerns - len(latencies),
        "raise_to_colleague_event_ms": distribution(latencies),
        "raise_response_ms": distribution(responses),
        "frames": {k: frames[k] for k in ("missing", "twice", "leaked", "unexpected")},
        "directions": dict(directions),
        "lead_figures_by_direction": {f["key"]: f["count"] for f in figures["by_direction"]},
        "cpu": cpu,
    }


# --- deadlines: re-sent, then escalated, by the worker ---------------------------------------


async def raise_spread(
    args: argparse.Namespace, bench: Bench
) -> tuple[dict[int, Json], float, list[float]]:
    """K probes, the i-th due at start + i * S / K whatever the earlier ones took: who raised
    each with whom, how far behind that schedule the raising fell, and each raise's response
    time (ms)."""
    rng = random.Random(11)
    start = time.monotonic() + 0.5
    raised: dict[int, Json] = {}
    behind = 0.0
    responses: list[float] = []
    for i in range(args.concerns):
        due = start + i * args.spread / args.concerns
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        sent = time.monotonic()
        behind = max(behind, sent - due)
        raiser, colleague = rng.sample(bench.members, 2)
        concern = await bench.raise_probe(raiser, colleague)
        responses.append((time.monotonic() - sent) * 1000)
        raised[concern["id"]] = {"raiser": raiser["id"], "colleague": colleague["id"]}
    return raised, round(behind * 1000, 1), responses


def read_back() -> dict[int, Json]:
    """In the server's environment: each concern's re-sent and escalated entries, and each
    step of its chain on the escalation engine (due, fired, what it did), as epoch seconds.

    A chain's first step re-sends and its second escalates; later ones alert again."""
    from ropeteam.concerns.models import Entry  # noqa: PLC0415  Django is set up by now
    from ropeteam.escalation.models import Step  # noqa: PLC0415

    found: defaultdict[int, Json] = defaultdict(lambda: {"entries": [], "tasks": []})
    for concern_id, kind, at in Entry.objects.filter(kind__in=STEPS).values_list(
        "concern_id", "kind", "at"
    ):
        found[concern_id]["entries"].append({"kind": kind, "at": at.timestamp()})
    rows = Step.objects.filter(chain__ladder="concerns.unanswered").values_list(
        "chain__subject_id", "position", "state", "due_at", "fired_at"
    )
    for concern_id, position, state, due, fired in rows:
        found[concern_id]["tasks"].append(
            {
                "status": state,
                "did": STEPS[position] if position < len(STEPS) else "again",
                "due": due.timestamp(),
                "started": fired.timestamp() if fired else None,
            }
        )
    return found


def _read_phase(env: dict[str, str]) -> dict[int, Json]:
    """read_back() in a child process with the server's environment."""
    done = subprocess.run(
        [sys.executable, __file__, "--phase", "read"],
        env={**env, "DJANGO_SETTINGS_MODULE": "ropeteam.config.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    found: Json = json.loads(done.stdout.strip().splitlines()[-1])
    return {int(k): v for k, v in found.items()}


def lateness(
    raised: dict[int, Json], stored: dict[int, Json], online: Online, lead_id: int
) -> Json:
    """How late each step was written and heard after its due time, and what was missing."""
    written: dict[str, list[float]] = {s: [] for s in STEPS}
    heard: dict[str, list[float]] = {s: [] for s in STEPS}
    picked_up: list[float] = []
    steps: dict[str, Counter[str]] = {s: Counter() for s in STEPS}
    tasks: Counter[str] = Counter()
    for concern_id, two in raised.items():
        found = stored.get(concern_id, {"entries": [], "tasks": []})
        tasks.update(f"{t['status'].lower()} {t['did'] or 'nothing'}" for t in found["tasks"])
        picked_up += [(t["started"] - t["due"]) * 1000 for t in found["tasks"] if t["started"]]
        for step in STEPS:
            ats = [e["at"] for e in found["entries"] if e["kind"] == step]
            dues = [t["due"] for t in found["tasks"] if t["did"] == step]
            steps[step]["done"] += len(ats) > 0
            steps[step]["missing"] += not ats
            steps[step]["twice"] += max(0, len(ats) - 1)
            if not ats or len(dues) != 1:
                continue
            written[step].append((ats[0] - dues[0]) * 1000)
            told = two["colleague"] if step == "resent" else lead_id
            frame = online.first(concern_id, told, step)
            if frame is not None:
                heard[step].append((frame.wall - dues[0]) * 1000)
    return {
        "steps": {s: {k: steps[s][k] for k in ("done", "missing", "twice")} for s in STEPS},
        "written_late_ms": {s: distribution(written[s]) for s in STEPS},
        "heard_late_ms": {s: distribution(heard[s]) for s in STEPS},
        "deadline_tasks": dict(sorted(tasks.items())),
        "task_started_late_ms": distribution(picked_up),
    }


async def scenario_deadlines(args: argparse.Namespace, bench: Bench) -> Json:
    seconds = args.answer_within
    await asyncio.to_thread(
        bench.api,
        bench.lead,
        "PUT",
        f"/teams/{bench.team}/concerns/times",
        {f"{level}_seconds": seconds for level in LEVELS},
    )
    watch = bench.watch()
    watch.start()
    raised, behind_ms, responses = await raise_spread(args, bench)
    # The last escalation falls due two times to answer after the last raise; then a grace
    # for anything late or done twice.
    await asyncio.sleep(2 * seconds + args.grace)
    cpu = watch.stop()
    stored = await asyncio.to_thread(_read_phase, bench.servers.env)
    frames: Counter[str] = Counter()
    for concern_id, two in raised.items():
        pair = {two["raiser"], two["colleague"]}
        audience = {"raised": pair, "resent": pair, "escalated": pair | {bench.lead["id"]}}
        frames += tally(bench.online.heard[concern_id], audience)
    return {
        "concerns": args.concerns,
        "team": args.team,
        "answer_within_s": seconds,
        "spread_s": args.spread,
        "raising_behind_schedule_ms": behind_ms,
        "raise_response_ms": distribution(responses),
        **lateness(raised, stored, bench.online, bench.lead["id"]),
        "frames": {k: frames[k] for k in ("missing", "twice", "leaked", "unexpected")},
        "cpu": cpu,
    }


# --- running it ------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> Json:
    servers = Servers(args, args.team, worker=True, grades=GRADES)
    online = Online()
    try:
        users = servers.users["users"]
        await online.connect(servers.urls, users)
        base = servers.urls[0].replace("ws://", "http://").removesuffix("/ws/v1")
        team = call(base, users[0]["token"], "GET", "/api/v1/teams")[0]["id"]
        bench = Bench(servers, online, base, team, users[0], users[1:])
        scenario = scenario_raise if args.scenario == "raise" else scenario_deadlines
        return await scenario(args, bench)
    finally:
        online.close()
        servers.stop()


def clean(figures: Json) -> bool:
    """No frame missing, twice or leaked; no step missing or twice; no deadline task failed."""
    problems = [figures["frames"][k] for k in ("missing", "twice", "leaked", "unexpected")]
    problems.append(figures.get("colleague_events_missing", 0))
    for step in figures.get("steps", {}).values():
        problems += [step["missing"], step["twice"]]
    problems += [n for k, n in figures.get("deadline_tasks", {}).items() if "failed" in k]
    return not any(problems)


def summary(args: argparse.Namespace, figures: Json) -> str:
    frames = figures["frames"]
    lines = [
        f"Concerns ({args.scenario}): a team of {args.team} online, `ropeteam serve` with its "
        "worker",
        f"  frames: missing {frames['missing']}, twice {frames['twice']}, leaked "
        f"{frames['leaked']}, unexpected {frames['unexpected']}",
    ]
    if args.scenario == "raise":
        event, response = figures["raise_to_colleague_event_ms"], figures["raise_response_ms"]
        lines += [
            f"  {args.concerns} probes raised, each then resolved; directions "
            f"{figures['directions']} (the lead's figures: {figures['lead_figures_by_direction']})",
            f"  raise -> colleague's event ms: p50 {event.get('p50')} p95 {event.get('p95')} "
            f"p99 {event.get('p99')} max {event.get('max')} ({figures['colleague_events_missing']} "
            "never heard)",
            f"  the raise's own response ms: p50 {response.get('p50')} p99 {response.get('p99')}",
            f"  p99 <= {EVENT_MS:g} ms (the target): "
            + ("yes" if event.get("p99", 1e9) <= EVENT_MS else "NO"),
        ]
    else:
        response = figures["raise_response_ms"]
        lines.append(
            f"  {args.concerns} probes raised over {args.spread:g} s (at most "
            f"{figures['raising_behind_schedule_ms']} ms behind; response ms p50 "
            f"{response.get('p50')} p99 {response.get('p99')}), {args.answer_within} s to "
            "answer at each level, nobody answering"
        )
        for step in STEPS:
            written, heard = figures["written_late_ms"][step], figures["heard_late_ms"][step]
            done = figures["steps"][step]
            lines.append(
                f"  {step}: {done['done']} of {args.concerns}, missing {done['missing']}, "
                f"twice {done['twice']}; after due, ms: written p50 {written.get('p50')} p95 "
                f"{written.get('p95')} p99 {written.get('p99')} max {written.get('max')} "
                f"(n {written['n']}); heard p50 {heard.get('p50')} p99 {heard.get('p99')} "
                f"max {heard.get('max')} (n {heard['n']})"
            )
        picked = figures["task_started_late_ms"]
        within = all(
            figures["written_late_ms"][s].get("p99", 1e9) <= LATE_MS
            and not figures["steps"][s]["missing"]
            for s in STEPS
        )
        lines += [
            f"  deadline tasks {figures['deadline_tasks']}; started after due, ms: p50 "
            f"{picked.get('p50')} p99 {picked.get('p99')} max {picked.get('max')}",
            f"  every step within {LATE_MS / 1000:g} s at p99 (the target): "
            + ("yes" if within else "NO"),
        ]
    cpu = figures["cpu"]
    lines.append(
        f"  CPU over {cpu['wall_s']} s (% of one core): server "
        f"{cpu['server']['cpu_pct_of_one_core']}, worker {cpu['worker']['cpu_pct_of_one_core']}; "
        f"machine busy {cpu['machine_busy_pct_all_cores']} % of all cores"
    )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = p.add_subparsers(dest="scenario", required=True)
    for name, concerns, grace in (("raise", 200, 2.0), ("deadlines", 300, 5.0)):
        s = sub.add_parser(name)
        s.add_argument("--team", type=int, default=50, help="people online, a multiple of 5")
        s.add_argument("--concerns", type=int, default=concerns)
        s.add_argument("--grace", type=float, default=grace, help="seconds to wait for strays")
        s.add_argument("--postgres", metavar="URL")
        s.add_argument("--redis", metavar="URL")
        s.add_argument("--instances", type=int, default=1)
        s.add_argument("--json", type=Path)
    raising = sub.choices["raise"]
    raising.add_argument("--interval", type=float, default=0.2, help="seconds between raises")
    raising.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for events")
    deadlines = sub.choices["deadlines"]
    deadlines.add_argument(
        "--answer-within", type=int, default=10, help="seconds to answer at each level"
    )
    deadlines.add_argument("--spread", type=float, default=30.0, help="seconds raising takes")
    return p


def main(argv: list[str]) -> int:
    if argv[:2] == ["--phase", "read"]:
        import django  # noqa: PLC0415  settings come from the environment _read_phase passes

        django.setup()
        print(json.dumps(read_back()))
        return 0
    args = parser().parse_args(argv)
    args.team_size, args.keep = 0, False  # everyone in one team
    raise_fd_limit()
    before = loadavg()
    figures = asyncio.run(run(args))
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git_commit(),
        "command": "bench/concerns.py " + " ".join(argv),
        "machine": machine(),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        **figures,
    }
    print(summary(args, figures))
    print(f"  load average before {before}, after {report['loadavg_after']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if clean(figures) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
