"""The embedded worker's keeper: `ropeteam serve` restarts a worker that dies or hangs.

Without it, a worker killed by the kernel's OOM killer or a stray `kill -9` would leave every
deadline waiting until someone restarted the whole server, with nothing on anybody's screen.
"""

import logging
import signal
import subprocess
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ropeteam.escalation import health
from ropeteam.escalation.models import Heartbeat

logger = logging.getLogger("ropeteam.worker")

MAX_RESTART_SECONDS = 60.0
# A worker that has run this long without dying is healthy again: its next death is met with
# the first, short delay rather than the doubled one.
STEADY_SECONDS = 120.0
LOOK_SECONDS = 1.0


class Supervisor:
    """Runs `command` as a child process, restarting it with a growing delay when it stops."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.child: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)
        self._delayed_since: float | None = None
        self._told_at = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop watching, then stop the worker (SIGTERM, then SIGKILL after 10 s)."""
        self._stopping.set()
        self._thread.join(timeout=LOOK_SECONDS * 5)
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()

    def _run(self) -> None:
        delay = settings.WORKER_RESTART_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            # The command is ours (`ropeteam worker`), never from input.
            self.child = subprocess.Popen(self.command)  # noqa: S603
            health.embedded_started()
            why = self._watch(self.child)
            if self._stopping.is_set():
                return
            health.embedded_died(timezone.now())
            if time.monotonic() - started > STEADY_SECONDS:
                delay = settings.WORKER_RESTART_SECONDS
            logger.error(
                "The worker (pid %s) %s; restarting it in %.0f s. Deadlines wait until then.",
                self.child.pid,
                why,
                delay,
            )
            self._stopping.wait(delay)
            delay = min(delay * 2, MAX_RESTART_SECONDS)

    def _watch(self, child: subprocess.Popen[bytes]) -> str:
        """Wait while the worker runs; why it stopped (killing it first if it hangs)."""
        started_at, next_look = timezone.now(), 0.0
        while not self._stopping.wait(LOOK_SECONDS):
            code = child.poll()
            if code is not None:
                return f"exited with {code}"
            if time.monotonic() < next_look:
                continue
            next_look = time.monotonic() + settings.WORKER_BEAT_SECONDS
            try:
                if self._is_hung(child, started_at):
                    child.kill()
                    child.wait()
                    return "stopped writing its heartbeat and was killed"
                self._say_if_delayed()
            except DatabaseError:
                logger.exception("could not read the worker's heartbeat")
            finally:
                connection.close()  # this thread's own connection; a fresh one next time
        return "was stopped"

    def _is_hung(self, child: subprocess.Popen[bytes], started_at: datetime) -> bool:
        name = health.worker_name(child.pid)
        last = Heartbeat.objects.filter(worker=name).values_list("beat_at", flat=True).first()
        silent = timezone.now() - (last or started_at)
        return silent > timedelta(seconds=2 * settings.WORKER_STALE_SECONDS)

    def _say_if_delayed(self) -> None:
        """Log an error while escalations are delayed (once a minute), and when they recover."""
        found = health.problems()
        now = time.monotonic()
        if not found:
            if self._delayed_since is not None:
                logger.warning("Escalations run on time again.")
            self._delayed_since = None
            return
        if self._delayed_since is None:
            self._delayed_since = now
        if now - self._told_at >= 60:
            self._told_at = now
            logger.error("Escalations are delayed: %s.", "; ".join(found))
