"""Whether deadlines are running: the worker's heartbeat, and due work left waiting.

A worker that dies or hangs stops writing its heartbeat; due work that nobody runs grows
overdue. Either makes `/readyz` 503, puts "Escalations are delayed" before the leads, and
makes `ropeteam check` fail, so a silent scheduler is never mistaken for a quiet day.
"""

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Min, Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from ropeteam.core import health
from ropeteam.escalation.models import Heartbeat

# Each source answers "when did the oldest piece of work that nobody has run fall due?"
DueSource = Callable[[datetime], datetime | None]
_sources: dict[str, DueSource] = {}


def register_due(name: str, source: DueSource) -> None:
    """Have `source` counted when deciding whether due work is overdue (from AppConfig.ready)."""
    _sources[name] = source


def _oldest_task(now: datetime) -> datetime | None:
    """The oldest django-tasks row that is ready to run: a deadline or an alert to send."""
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    at_once = ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"]
    later = ready.filter(~Q(run_after=get_date_max()), run_after__lte=now).aggregate(
        at=Min("run_after")
    )["at"]
    found = [at for at in (at_once, later) if at is not None]
    return min(found) if found else None


register_due("tasks", _oldest_task)


# --- the worker's side --------------------------------------------------------------------


def worker_name(pid: int | None = None) -> str:
    """How a worker process is named in its heartbeat: host and process id."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def beat(*, worker: str, started_at: datetime, now: datetime | None = None) -> None:
    """Record that this worker is alive; forget workers that have been silent for a day."""
    moment = now or timezone.now()
    Heartbeat.objects.update_or_create(
        worker=worker, defaults={"beat_at": moment, "started_at": started_at}
    )
    Heartbeat.objects.filter(beat_at__lt=moment - timedelta(days=1)).delete()


# --- the serving process's side -----------------------------------------------------------


@dataclass
class EmbeddedWorker:
    """What `ropeteam serve` knows of the worker it started, when it started one."""

    died_at: datetime | None = None
    restarts: int = 0


embedded: EmbeddedWorker | None = None
_lock = threading.Lock()


def embedded_died(at: datetime) -> None:
    global embedded  # noqa: PLW0603  one per serving process, set by its supervisor
    with _lock:
        embedded = embedded or EmbeddedWorker()
        embedded.died_at = at


def embedded_started() -> None:
    global embedded  # noqa: PLW0603
    with _lock:
        if embedded is None:
            embedded = EmbeddedWorker()
        elif embedded.died_at is not None:
            embedded.died_at = None
            embedded.restarts += 1


# --- reading it ---------------------------------------------------------------------------


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds()))


def worker_problem(now: datetime) -> str | None:
    """Why no worker can be counted on now, or None."""
    if embedded is not None and embedded.died_at is not None:
        return _("the embedded worker stopped %(s)d s ago and is being restarted") % {
            "s": _seconds(now - embedded.died_at)
        }
    newest = Heartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if newest is None:
        return _("no worker has run yet")
    silent = now - newest
    if silent > timedelta(seconds=settings.WORKER_STALE_SECONDS):
        return _("no worker heartbeat for %(s)d s") % {"s": _seconds(silent)}
    return None


def deadline_problem(now: datetime) -> str | None:
    """Why due work is late (oldest overdue past the allowance), or None."""
    oldest = [at for source in _sources.values() if (at := source(now)) is not None]
    if not oldest:
        return None
    late = now - min(oldest)
    if late > timedelta(seconds=settings.DEADLINES_LATE_SECONDS):
        return _("due steps are %(s)d s overdue") % {"s": _seconds(late)}
    return None


def has_run() -> bool:
    """Whether any worker has ever beaten here: an installation before its first start has
    no deadlines kept late, only none kept yet."""
    return Heartbeat.objects.exists()


def problems(now: datetime | None = None) -> list[str]:
    """Everything that delays escalations now; empty while they run on time."""
    moment = now or timezone.now()
    return [p for p in (worker_problem(moment), deadline_problem(moment)) if p]


def readyz(request: HttpRequest) -> JsonResponse:
    """Can this installation serve, and keep its deadlines? 503 (with why) when not."""
    checks = health.checks()
    if checks["database"] == "ok":
        moment = timezone.now()
        checks["worker"] = worker_problem(moment) or "ok"
        checks["deadlines"] = deadline_problem(moment) or "ok"
    return health.answer(checks)


def delays(say: Callable[[str], None]) -> list[str]:
    """For `ropeteam check`: what keeps escalations from running on time now (a dead worker,
    overdue steps). An installation that has never run (no tables yet, or no worker ever) is
    being set up, not failing: it is checked before its first start, and `say` says so.
    """
    try:
        if not has_run():
            say("  (no worker has run here yet: start `ropeteam serve` or `ropeteam worker`)")
            return []
        return [f"Escalations are delayed: {problem}." for problem in problems()]
    except DatabaseError:
        say("  (the database is not set up yet: the worker is checked once it is)")
        return []
