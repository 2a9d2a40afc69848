"""Do visit deadlines fire on time when many visits are open at once?

Makes N open field visits (default 1,000) whose expected ends are spread over a window
(default 60 s), with a short chain (prompt at the end, then the rope holder, the duty lead
and the team lead 5, 10 and 15 s after), then runs a real `ropeteam worker` (whose sweeper
fires visit deadlines) until every step is due, and reports how late each step fired:
`fired_at - due_at`, p50/p95/p99/max, and how many steps fired, were missing or fired twice.

    python bench/visits.py --visits 1000 --spread 60 --json visits.json

Target (issue 5): every step within 2 s of its due time at p99.
"""

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.processes import Worker
from bench.processes import phase as phase_in_child
from bench.realtime import (
    distribution,
    fresh_database,
    git_commit,
    loadavg,
    machine,
    server_env,
)

CHAIN_SECONDS = (0, 5, 10, 15)
WORKERS_PER_TEAM = 200


def set_up(count: int, spread: float, lead_in: float) -> str:
    """In the server's environment: a team, its chain, and `count` visits held; the first end."""
    from datetime import timedelta  # noqa: PLC0415  Django is set up by the caller

    from django.core.management import call_command  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from ropeteam.people import actions as people  # noqa: PLC0415
    from ropeteam.visits import actions as visits  # noqa: PLC0415
    from ropeteam.visits.flow import Step  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        organisation = people.create_organisation(actor=None, name="Bench visits")
        team = people.create_team(actor=None, organisation=organisation, name="Out and about")
        lead = people.create_account(
            actor=None, username="lead", display_name="Lead", password=None
        )
        people.add_member(actor=None, team=team, user=lead, role="lead", grade="team_lead")
        workers = []
        for i in range(WORKERS_PER_TEAM):
            user = people.create_account(
                actor=None, username=f"w{i}", display_name=f"W {i}", password=None
            )
            people.add_member(
                actor=None, team=team, user=user, role="practitioner", grade="practitioner"
            )
            workers.append(user)
        chain = {s: timedelta(seconds=CHAIN_SECONDS[s]) for s in Step}
        visits.set_chain(actor=lead, team=team, chain=chain)
    start = timezone.now() + timedelta(seconds=lead_in)
    for i in range(count):
        visit = visits.start_visit(
            actor=workers[i % len(workers)],
            team=team,
            location=f"Visit {i}",
            expected_end=start + timedelta(seconds=spread * i / count),
            rope_holder_id=workers[(i + 1) % len(workers)].pk,
        )
        visits.hold_rope(actor=workers[(i + 1) % len(workers)], visit=visit)
    return start.isoformat()


def read_back() -> dict[str, Any]:
    """In the server's environment: every fired step's lateness, and how many there are."""
    from ropeteam.visits.models import ALARM, Escalation, Visit  # noqa: PLC0415

    rows = list(
        Escalation.objects.exclude(step=ALARM).values_list("visit_id", "step", "due_at", "fired_at")
    )
    return {
        "visits": Visit.objects.count(),
        "late_s": [(fired - due).total_seconds() for _v, _s, due, fired in rows],
        "fired": len(rows),
        "distinct": len({(v, s) for v, s, _d, _f in rows}),
    }


def _phase(env: dict[str, str], *args: str) -> Any:
    """Run a phase of this script in a child process with the server's environment."""
    return phase_in_child(__file__, env, *args)


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ropeteam-bench-visits-") as data:
        database_url = fresh_database(args.postgres) if args.postgres else None
        env = {
            **server_env(Path(data), database_url, None),
            "DJANGO_SETTINGS_MODULE": "ropeteam.config.settings",
        }
        started = time.monotonic()
        first_end = _phase(env, "setup", str(args.visits), str(args.spread), str(args.lead_in))
        setup_s = time.monotonic() - started
        worker = Worker(env, Path(data) / "worker.log").start()
        try:
            # Until the last visit's last step is due, and a little more.
            last_due = datetime.fromisoformat(first_end).timestamp() + args.spread
            time.sleep(max(0.0, last_due + CHAIN_SECONDS[-1] + 5 - time.time()))
        finally:
            worker.stop()
        figures = _phase(env, "read")
    expected = figures["visits"] * len(CHAIN_SECONDS)
    return {
        "visits": figures["visits"],
        "setup_s": round(setup_s, 1),
        "first_end": first_end,
        "steps_expected": expected,
        "steps_fired": figures["fired"],
        "steps_missing": expected - figures["distinct"],
        "steps_fired_twice": figures["fired"] - figures["distinct"],
        "late_ms": distribution([s * 1000 for s in figures["late_s"]]),
    }


def phase(argv: list[str]) -> int:
    import django  # noqa: PLC0415  settings come from the environment _phase passes

    django.setup()
    if argv[0] == "setup":
        print(json.dumps(set_up(int(argv[1]), float(argv[2]), float(argv[3]))))
    else:
        print(json.dumps(read_back()))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--phase"]:
        return phase(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--visits", type=int, default=1000)
    p.add_argument("--spread", type=float, default=60.0, help="seconds the ends spread over")
    p.add_argument(
        "--lead-in", type=float, default=90.0, help="seconds from set-up to the first end"
    )
    p.add_argument("--postgres", metavar="URL")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    before = loadavg()
    figures = run(args)
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git_commit(),
        "command": "bench/visits.py " + " ".join(argv),
        "machine": machine(),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        **figures,
    }
    late = figures["late_ms"]
    print(
        f"{figures['visits']} open visits, ends spread over {args.spread:.0f} s, chain "
        f"{CHAIN_SECONDS} s (set up in {figures['setup_s']} s)\n"
        f"  steps fired {figures['steps_fired']} of {figures['steps_expected']}, missing "
        f"{figures['steps_missing']}, twice {figures['steps_fired_twice']}\n"
        f"  fired after due, ms: p50 {late.get('p50')} p95 {late.get('p95')} "
        f"p99 {late.get('p99')} max {late.get('max')}\n"
        f"  every step within 2 s at p99 (the target): "
        f"{'yes' if late.get('p99', 1e9) <= 2000 and figures['steps_missing'] == 0 else 'NO'}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
