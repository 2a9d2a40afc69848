"""The worker process (`ropeteam worker`): timed steps here, alerts and other tasks in a child.

Two processes, so a burst of alerts never takes the CPU (one interpreter lock) from the
deadlines, and the other way round. If either stops, both stop, so whatever restarts the
worker restarts them whole. Django is set up by the caller.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from ropeteam.escalation.engine import run_due
from ropeteam.escalation.health import beat, worker_name
from ropeteam.realtime.outbox import gathering_events

log = logging.getLogger("ropeteam.worker")


def _exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def run(interval: float) -> int:
    """Sweep deadlines in this process, with the task runner as a child; 1 if it dies."""
    _keep_connections()
    # The command is ours, never from input; its stdin tells it when this process is gone.
    # Its own session: a signal to this worker's group (Ctrl-C, a process manager) reaches
    # this process, which stops the runner once; a second signal would cut its task short.
    runner = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ropeteam.cli", "worker", "--tasks", f"--interval={interval}"],
        stdin=subprocess.PIPE,
        start_new_session=True,
    )
    signal.signal(signal.SIGTERM, _exit)
    try:
        # A quarter of the task interval: a safety deadline should not wait a whole second.
        return _sweep(interval / 4, runner)
    finally:
        _stop(runner)


def run_tasks(interval: float) -> int:
    """The worker's child: run django-tasks until the worker that started it is gone."""
    _keep_connections()

    def orphaned() -> None:  # the worker's end of our stdin closes when it dies, even by -9
        while os.read(0, 4096):  # unbuffered: nothing to flush at exit
            pass
        os.kill(os.getpid(), signal.SIGTERM)  # the task runner finishes its task, then stops

    threading.Thread(target=orphaned, name="orphan-guard", daemon=True).start()
    call_command("db_worker", interval=interval, queue_name="*")
    return 0


def _keep_connections() -> None:
    """One database connection for the life of a worker process, not one per poll: the task
    runner closes "old" connections every round, and a new one costs more than a task."""
    connections.settings[DEFAULT_DB_ALIAS].update(CONN_MAX_AGE=None, CONN_HEALTH_CHECKS=True)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def _sweep(interval: float, runner: subprocess.Popen[bytes]) -> int:
    """Fire due steps for ever, and write the heartbeat that says this worker is alive.

    The heartbeat is written here, not on a timer of its own: a sweeper that hangs must stop
    it, so that /readyz and the supervisor see a worker that no longer keeps deadlines.
    """
    name, started_at, next_beat = worker_name(), timezone.now(), 0.0
    while True:
        code = runner.poll()
        if code is not None:
            log.error(
                "The task runner (pid %s) exited with %s; the worker stops.", runner.pid, code
            )
            return 1
        fired = 0
        try:
            if time.monotonic() >= next_beat:
                beat(worker=name, started_at=started_at)
                next_beat = time.monotonic() + settings.WORKER_BEAT_SECONDS
            with gathering_events():  # one commit for the batch's events, not one each
                fired = run_due()
        except Exception:
            log.exception("sweeping deadlines failed")
            connection.close()  # a fresh connection on the next round
        if not fired:  # more may be due already after a busy round: look again at once
            time.sleep(interval)
