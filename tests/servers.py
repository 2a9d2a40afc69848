"""Real Ropeteam server processes for tests: started, stopped, killed and restarted.

Each server has its own data folder and, on PostgreSQL, its own database beside
DATABASE_URL's, so every run starts from the demo team.
"""

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest


def production_env(name: str) -> dict[str, str]:
    """What a production installation sets (not demo mode, keys from the environment), as
    behind a TLS-ending balancer on loopback; every instance of one installation shares it."""
    from ropeteam.notify.vapid import new_key_pair

    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    vapid_private, _public = new_key_pair()
    return {
        "ROPETEAM_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "ROPETEAM_ENCRYPTION_KEYS": f"{name}:{key}",
        "ROPETEAM_AUDIT_KEYS": f"{name}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}",
        "ROPETEAM_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ROPETEAM_SSL_REDIRECT": "0",
        "ROPETEAM_BEHIND_PROXY": "1",
        "ROPETEAM_VAPID_PRIVATE_KEY": vapid_private,
        "ROPETEAM_VAPID_SUBJECT": "mailto:ops@example.org",
        "ROPETEAM_BASE_URL": "https://ropeteam.example.org",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fresh_database(url: str, suffix: str) -> str:
    """An empty PostgreSQL database named after DATABASE_URL's with `suffix`."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class Server:
    """`ropeteam demo` (or `serve`) as a child process in its own process group."""

    def __init__(
        self, data: Path, *, suffix: str, env: dict[str, str] | None = None, fresh: bool = True
    ) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/v1"
        # Unbuffered: the log file shows each access line as it happens, for tests to read.
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "ROPETEAM_DATA": str(data),
            **(env or {}),
        }
        if os.environ.get("DATABASE_URL") and fresh:
            self.env["DATABASE_URL"] = fresh_database(os.environ["DATABASE_URL"], suffix)
        self.log = data / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *args: str) -> "Server":
        command = args or ("demo", "--port", str(self.port))
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ropeteam.cli", *command],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.output()}")
            if self.is_ready():
                return
            time.sleep(0.2)
        pytest.fail(f"the server was not ready within 60 s:\n{self.output()}")

    def is_ready(self) -> bool:
        """/readyz says ready; a server started without a worker needs only its own parts."""
        assert self.process is not None
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except urllib.error.HTTPError as error:
            if "--no-worker" not in self.process.args:  # type: ignore[operator]
                return False
            checks = json.loads(error.read())["checks"]
            return all(v == "ok" for k, v in checks.items() if k not in ("worker", "deadlines"))
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def readyz(self) -> tuple[int, dict[str, str]]:
        """/readyz's status and checks."""
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as response:  # noqa: S310
                return response.status, json.loads(response.read())["checks"]
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())["checks"]

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def cli(self, *args: str) -> str:
        """Run `ropeteam ARGS` against this server's data and database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", "ropeteam.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def token(self, username: str) -> str:
        return self.cli("token", "create", username, "--name", "tests").strip().splitlines()[-1]

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def kill(self) -> None:
        """kill -9 the server and everything it started."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None


def in_server(server: Server, code: str) -> str:
    """Run Python with a demo server's settings and database (a command-line change); its
    output."""
    script = f"from ropeteam.cli import _django; _django(demo=True)\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", script], env=server.env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
