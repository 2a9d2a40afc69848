"""The real server (`ropeteam demo`) driven by a real Chromium, with axe-core on every page.

The server is started once per session in a fresh data folder. With DATABASE_URL set it
shares that database with earlier runs, so the tests set what they rely on and put back
what they change.
"""

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "hold-the-rope-together"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Live updates cross a real server, its worker and a page re-fetch; on two busy cores that can
# take longer than Playwright's 5 s default. A waiting assertion still fails when the state
# never comes.
expect.set_options(timeout=10_000)

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ropeteam demo exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"ropeteam demo was not ready within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def server_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo server's data folder; its e-mails are files in `mail/` there."""
    return tmp_path_factory.mktemp("ropeteam-data")


@pytest.fixture(scope="session")
def server(server_data: Path) -> Iterator[str]:
    """The base URL of `ropeteam demo`, running as a child process for the whole session."""
    data = server_data
    log = data / "server.log"
    port = _free_port()
    env = {**os.environ, "ROPETEAM_DATA": str(data)}
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = _fresh_database(os.environ["DATABASE_URL"])
    with log.open("wb") as output:
        # Its own process group, so stopping it also stops the task worker it starts.
        process = subprocess.Popen(
            [sys.executable, "-m", "ropeteam.cli", "demo", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        yield url
    finally:
        _stop(process)


def _fresh_database(url: str) -> str:
    """An empty PostgreSQL database beside DATABASE_URL's, so every run starts from the demo.

    Sharing one database across runs would leave values encrypted with an earlier run's
    generated demo key, and state that earlier tests changed.
    """
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/") + "_browser"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _chromium() -> str | None:
    """Debian's Chromium (or CHROMIUM_PATH); None lets Playwright use its own download."""
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


# Module scope: while Playwright runs, its event loop is the thread's running loop, which
# later tests using async_to_sync must not find there.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One person's browser tab on the demo server, and what its console said."""

    page: Page
    console: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", lambda message: self.console.append(message.text))
        self.page.on("response", self._note_server_error)

    def _note_server_error(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def sign_in(self, username: str) -> None:
        self.page.goto("/login/")
        self.check()
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/")

    def check(self) -> None:
        """No server error, no CSP refusal, nothing serious for axe-core, nothing too wide."""
        assert not self.server_errors, self.server_errors
        refused = [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]
        assert not refused, f"{self.page.url}: {refused}"
        # Evaluated through the DevTools protocol, so the page's CSP stays as strict as it is.
        if not self.page.evaluate("typeof axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text())
        violations = [
            v for v in self.page.evaluate(RUN_AXE) if v["impact"] in {"serious", "critical"}
        ]
        assert not violations, f"{self.page.url}:\n{json.dumps(violations, indent=2)}"
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        scroll_width = self.page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{self.page.url} is {scroll_width}px wide in {width}px"


def until(page: Page, expression: str, timeout: float = 10) -> None:
    """Wait until a JavaScript expression is true in the page.

    Evaluated afresh each time through the DevTools protocol: Playwright's own
    wait_for_function polls with eval inside the page, which our CSP refuses.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


def more(page: Page) -> None:
    """Unfold the phone's "More" menu, where the links beyond the bottom bar's four are; on a
    wide screen they all show already."""
    summary = page.locator(".nav__more > summary")
    if summary.is_visible() and page.locator(".nav__more[open]").count() == 0:
        summary.click()


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[Callable[..., Visit]]:
    """`visit(viewport=PHONE)` opens a fresh tab (own cookies) on the demo server."""
    contexts = []

    def open_tab(viewport: dict[str, int] = DESKTOP) -> Visit:
        context = browser.new_context(base_url=server, viewport=viewport, locale="en-GB")
        contexts.append(context)
        return Visit(context.new_page())

    yield open_tab
    for context in contexts:
        context.close()


def _server_zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("ROPETEAM_TIME_ZONE") or "Europe/London")


@pytest.fixture(scope="module")
def duty_lead(browser: Browser, server: str) -> str:
    """The name of whoever is duty lead now; Dee puts Priya on the rota first if nobody is.

    The demo rota covers 08:00 to 20:00 around the day it was loaded, so at night, or on an
    old shared database, nobody is on duty until someone is put on the rota.
    """
    context = browser.new_context(base_url=server, viewport=DESKTOP, locale="en-GB")
    tab = Visit(context.new_page())
    tab.sign_in("dee")
    tab.page.goto("/team/rota/")
    if tab.page.locator("#duty-now strong").count() == 0:
        _cover_now(tab.page)
    name = tab.page.locator("#duty-now strong").inner_text()
    context.close()
    return name


def _cover_now(page: Page) -> None:
    """Add a shift from now until half an hour on, or until the next shift starts."""
    now = datetime.now(_server_zone()).replace(second=0, microsecond=0)
    end = now + timedelta(minutes=30)
    upcoming = page.locator(".cards time").first
    if upcoming.count():
        end = min(end, datetime.fromisoformat(upcoming.get_attribute("datetime") or ""))
    if end - now < timedelta(minutes=2):
        time.sleep((end - now).total_seconds() + 60)  # the next shift is about to start
        page.reload()
        return
    # The select, not the "Duty lead now" region above it.
    page.get_by_role("combobox", name="Duty lead").select_option(label="Priya Shah")
    page.get_by_label("Starts").fill(now.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill(end.astimezone(_server_zone()).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Put on the rota").click()
    page.wait_for_selector("#duty-now strong")
