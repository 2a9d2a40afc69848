"""What the escalation and visit benchmarks share: a real `ropeteam worker` in its own process
group, and running a phase of a benchmark script in a child process with the server's
environment (so the parent never holds a database connection of its own)."""

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def phase(script: str, env: dict[str, str], *args: str, stdin: str = "") -> Any:
    """Run `script --phase ARGS` with `env`; its last line of output, read as JSON."""
    done = subprocess.run(
        [sys.executable, script, "--phase", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        input=stdin,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


class Worker:
    """A real `ropeteam worker` in its own process group, its output appended to `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = datetime.now(UTC)

    def start(self) -> "Worker":
        self.started_at = datetime.now(UTC)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ropeteam.cli", "worker"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)
