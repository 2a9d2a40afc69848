"""The embedded worker is supervised: its death is visible at once and it comes back.

Real processes: `ropeteam demo` runs the server and its worker; the test kills the worker
alone (kill -9, or SIGSTOP to make it hang) and watches /readyz and a field visit's chain.
"""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server
from tests.visits.test_deadlines import People, _wait_for_steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240), pytest.mark.hazard("H2")]

RESTART_SECONDS = 12  # long enough for steps to fall due while no worker runs


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and b"worker" in command:
            found.append(int(entry.name))
    return found


def _worker(server: Server, *, other_than: int | None = None, within: float = 60) -> int:
    assert server.process is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [p for p in _children(server.process.pid) if p != other_than]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no worker process within {within} s:\n{server.output()}")


def _wait_unready(server: Server, within: float) -> dict[str, str]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        status, checks = server.readyz()
        if status == 503:
            return checks
        time.sleep(0.25)
    raise AssertionError(f"/readyz stayed ready for {within} s after the worker stopped")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(
        tmp_path,
        suffix="_supervisor",
        env={
            "ROPETEAM_WORKER_RESTART_SECONDS": str(RESTART_SECONDS),
            "ROPETEAM_WORKER_STALE_SECONDS": "3",
            "ROPETEAM_WORKER_BEAT_SECONDS": "1",
        },
    ).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_worker_killed_alone_is_seen_restarted_and_its_due_steps_fire_once_in_order(
    server: Server,
) -> None:
    people = People(server)
    worker = _worker(server)
    visit = people.go_out(seconds=1)
    os.kill(worker, signal.SIGKILL)
    killed = time.monotonic()

    checks = _wait_unready(server, within=35)
    assert time.monotonic() - killed < 35
    assert "worker" in checks["worker"]
    assert checks["database"] == "ok"

    back = _worker(server, other_than=worker, within=RESTART_SECONDS * 3)
    returned = time.monotonic()
    assert returned - killed >= RESTART_SECONDS - 1  # the steps below fell due meanwhile
    steps = _wait_for_steps(people, visit["id"], 2, within=30)
    assert time.monotonic() - returned < 30
    assert [s["step"] for s in steps[:2]] == [0, 1]
    assert len({s["step"] for s in steps}) == len(steps)  # once each
    assert back in _children(server.process.pid)  # type: ignore[union-attr]
    assert "The worker (pid" in server.output()


def test_a_worker_that_hangs_is_seen_killed_and_replaced(server: Server) -> None:
    people = People(server)
    worker = _worker(server)
    os.kill(worker, signal.SIGSTOP)  # alive, but it no longer keeps any deadline
    stopped = time.monotonic()
    visit = people.go_out(seconds=1)

    checks = _wait_unready(server, within=35)
    assert time.monotonic() - stopped < 35
    assert checks["worker"].startswith(("no worker heartbeat", "the embedded worker stopped"))

    _worker(server, other_than=worker, within=60)
    assert not Path(f"/proc/{worker}").exists() or "Z" in Path(f"/proc/{worker}/stat").read_text()
    steps = _wait_for_steps(people, visit["id"], 2, within=RESTART_SECONDS + 30)
    assert [s["step"] for s in steps[:2]] == [0, 1]
    deadline = time.monotonic() + 20
    while server.readyz()[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.25)
    status, checks = server.readyz()
    assert (status, checks["worker"], checks["deadlines"]) == (200, "ok", "ok")
    assert "stopped writing its heartbeat" in server.output()


def _task_runner(worker: int, within: float = 30) -> int:
    """The worker's child that sends alerts and runs the other tasks."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [
            p for p in _children(worker) if b"--tasks" in Path(f"/proc/{p}/cmdline").read_bytes()
        ]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"worker {worker} started no task runner within {within} s")


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]:
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


def test_the_task_runner_lives_and_dies_with_its_worker(server: Server) -> None:
    # A dead task runner would leave alerts unsent behind a live heartbeat: its worker stops
    # too, so the supervisor restarts both and says so.
    worker = _worker(server)
    os.kill(_task_runner(worker), signal.SIGKILL)
    back = _worker(server, other_than=worker, within=RESTART_SECONDS * 3)
    assert _gone(worker, within=5)
    assert "The task runner (pid" in server.output()
    runner = _task_runner(back)

    # A worker killed outright leaves no task runner behind to run beside its successor.
    os.kill(back, signal.SIGKILL)
    assert _gone(runner, within=15), "the task runner outlived its worker"
    _task_runner(_worker(server, other_than=back, within=RESTART_SECONDS * 3))
