"""Does the one escalation engine fire every step on time, once, across its ladders?

Makes N subjects (default 10,000) through the actions people use, a third each of field
visits (ladder `visits.chain`), concerns (`concerns.unanswered`) and Thinking Together
requests (`thinking.widening`); each opens its chain as in production. Then it starts a real
`ropeteam worker` and, once the worker writes its heartbeat, moves the first pending step of
every chain so that their due times spread evenly over a window (default 60 s) a few seconds
ahead; every later step of those chains is moved a day out, so the N steps are the load.
The figures: how late each step fired (`fired_at - due_at`), and how many fired, were left
or were cancelled. A step row is claimed once by a conditional UPDATE, so "fired twice" is
read from what the ladders wrote: one visit Escalation row per (visit, round, step).

  steps   python bench/escalation.py steps --subjects 10000 --spread 60 --json steps.json
  outage  python bench/escalation.py outage --subjects 1000 --dead 120 --json outage.json
          The worker is killed (kill -9) and the N steps fall due in the first 10 s of its
          absence; after `--dead` s a new worker starts. The figure is how long after its
          start the last step fired.

Targets (issue 11): p99 lateness <= 1 s with every step fired once; after 2 minutes without
a worker, 1,000 overdue steps all fired within 10 s of its return.
"""

import argparse
import json
import signal
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.processes import Worker
from bench.processes import phase as phase_in_child
from bench.realtime import distribution, fresh_database, git_commit, loadavg, machine, server_env

MEMBERS = 60  # per team: subjects are spread over them, as a busy team's would be
LADDERS = ("visits.chain", "concerns.unanswered", "thinking.widening")


# --- phases run in a child process with the server's environment ---------------------------


def set_up(count: int) -> dict[str, int]:
    """A team of MEMBERS and `count` subjects, a third per ladder, made through the actions."""
    from django.core.management import call_command  # noqa: PLC0415  Django is set up
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from ropeteam.concerns import actions as concerns  # noqa: PLC0415
    from ropeteam.concerns.actions import Statement  # noqa: PLC0415
    from ropeteam.people import actions as people  # noqa: PLC0415
    from ropeteam.thinking import actions as thinking  # noqa: PLC0415
    from ropeteam.visits import actions as visits  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)
    made = dict.fromkeys(LADDERS, 0)
    with transaction.atomic():
        organisation = people.create_organisation(actor=None, name="Bench escalation")
        team = people.create_team(actor=None, organisation=organisation, name="Busy team")
        members = []
        for i in range(MEMBERS):
            user = people.create_account(
                actor=None, username=f"m{i}", display_name=f"Member {i}", password=None
            )
            role, grade = ("lead", "team_lead") if i == 0 else ("practitioner", "practitioner")
            people.add_member(actor=None, team=team, user=user, role=role, grade=grade)
            members.append(user)
        workers = members[1:]
        end = timezone.now() + timedelta(hours=1)
        for i in range(count):
            me, other = workers[i % len(workers)], workers[(i + 1) % len(workers)]
            ladder = LADDERS[i % len(LADDERS)]
            if ladder == "visits.chain":
                visit = visits.start_visit(
                    actor=me,
                    team=team,
                    location=f"Visit {i}",
                    expected_end=end,
                    rope_holder_id=other.pk,
                )
                visits.hold_rope(actor=other, visit=visit)
            elif ladder == "concerns.unanswered":
                concerns.raise_concern(
                    actor=me,
                    team=team,
                    colleague_id=other.pk,
                    level="probe",
                    statement=Statement(noticed=f"Concern {i}", asking="Can we talk?"),
                )
            else:
                thinking.request_help(
                    actor=me,
                    team=team,
                    task="decision",
                    urgency="now",
                    mode="chat",
                    ask=thinking.Ask("named", other.pk),
                )
            made[ladder] += 1
    return made


def retime(spread: float, lead_in: float) -> dict[str, Any]:
    """Due times for the first pending step of every open chain: evenly over the window."""
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from ropeteam.escalation.models import Step  # noqa: PLC0415

    pending = list(
        Step.objects.filter(state="pending", chain__state="open")
        .order_by("chain_id", "position")
        .values_list("pk", "chain_id")
    )
    first: dict[int, int] = {}
    for step_id, chain_id in pending:
        first.setdefault(chain_id, step_id)
    chosen = sorted(first.values())
    start = timezone.now() + timedelta(seconds=lead_in)
    with transaction.atomic():
        later = Step.objects.filter(state="pending").exclude(pk__in=chosen)
        later.update(due_at=start + timedelta(days=1))
        for index, step_id in enumerate(chosen):
            due = start + timedelta(seconds=spread * index / max(1, len(chosen)))
            Step.objects.filter(pk=step_id).update(due_at=due)
    return {"steps": chosen, "first_due": start.isoformat()}


def read_back(step_ids: list[int]) -> dict[str, Any]:
    """Each chosen step's state and lateness, per ladder, and duplicated visit records."""
    from django.db.models import Count  # noqa: PLC0415

    from ropeteam.escalation.models import Step  # noqa: PLC0415
    from ropeteam.visits.models import Escalation  # noqa: PLC0415

    rows = list(
        Step.objects.filter(pk__in=step_ids).values_list(
            "chain__ladder", "state", "due_at", "fired_at"
        )
    )
    twice = (
        Escalation.objects.values("visit_id", "round", "step")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "rows": [
            [ladder, state, due.isoformat(), fired.isoformat() if fired else None]
            for ladder, state, due, fired in rows
        ],
        "visit_records_twice": twice,
    }


def _phase(env: dict[str, str], *args: str, stdin: str = "") -> Any:
    return phase_in_child(__file__, env, *args, stdin=stdin)


# --- the driver -----------------------------------------------------------------------------


def _wait_all_fired(env: dict[str, str], steps: list[int], within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        figures = _phase(env, "read", stdin=json.dumps(steps))
        left = [r for r in figures["rows"] if r[1] == "pending"]
        if not left or time.monotonic() > deadline:
            return figures
        time.sleep(2)


def _summary(figures: dict[str, Any], since: datetime | None = None) -> dict[str, Any]:
    late: dict[str, list[float]] = {ladder: [] for ladder in LADDERS}
    states: dict[str, int] = {}
    after_start: list[float] = []
    for ladder, state, due, fired in figures["rows"]:
        states[state] = states.get(state, 0) + 1
        if fired:
            fired_at = datetime.fromisoformat(fired)
            late[ladder].append((fired_at - datetime.fromisoformat(due)).total_seconds() * 1000)
            if since is not None:
                after_start.append((fired_at - since).total_seconds())
    every = [ms for values in late.values() for ms in values]
    return {
        "states": states,
        "late_ms": distribution(every),
        "late_ms_by_ladder": {ladder: distribution(v) for ladder, v in late.items() if v},
        "visit_records_twice": figures["visit_records_twice"],
        **({"fired_after_worker_start_s": distribution(after_start)} if since else {}),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ropeteam-bench-escalation-") as data:
        database_url = fresh_database(args.postgres) if args.postgres else None
        env = {
            **server_env(Path(data), database_url, None),
            "DJANGO_SETTINGS_MODULE": "ropeteam.config.settings",
        }
        started = time.monotonic()
        made = _phase(env, "setup", str(args.subjects))
        setup_s = round(time.monotonic() - started, 1)
        worker = Worker(env, Path(data) / "worker.log").start()
        time.sleep(5)  # its heartbeat and first sweeps
        try:
            if args.scenario == "steps":
                plan = _phase(env, "retime", str(args.spread), "5")
                figures = _wait_all_fired(env, plan["steps"], args.spread + 60)
                result = _summary(figures)
            else:
                worker.stop(signal.SIGKILL)
                plan = _phase(env, "retime", "10", "0")
                time.sleep(args.dead)
                worker.start()
                figures = _wait_all_fired(env, plan["steps"], 120)
                result = _summary(figures, since=worker.started_at)
        finally:
            worker.stop()
        # What the worker said (errors, restarts): the last lines, kept with the figures.
        log = (Path(data) / "worker.log").read_text(errors="replace").splitlines()[-40:]
    return {
        "subjects": made,
        "setup_s": setup_s,
        "steps": len(plan["steps"]),
        **result,
        "worker_log_tail": log,
    }


def phase(argv: list[str]) -> int:
    import django  # noqa: PLC0415  settings come from the environment _phase passes

    django.setup()
    if argv[0] == "setup":
        print(json.dumps(set_up(int(argv[1]))))
    elif argv[0] == "retime":
        print(json.dumps(retime(float(argv[1]), float(argv[2]))))
    else:
        print(json.dumps(read_back(json.loads(sys.stdin.read()))))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--phase"]:
        return phase(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("scenario", choices=["steps", "outage"])
    p.add_argument("--subjects", type=int, default=10_000)
    p.add_argument("--spread", type=float, default=60.0, help="seconds the due times spread over")
    p.add_argument("--dead", type=float, default=120.0, help="seconds without a worker (outage)")
    p.add_argument("--postgres", metavar="URL")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    before = loadavg()
    figures = run(args)
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git_commit(),
        "command": "bench/escalation.py " + " ".join(argv),
        "machine": machine(),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        **figures,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
