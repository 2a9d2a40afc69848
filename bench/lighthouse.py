"""Lighthouse (mobile) on the field worker's pages: scores, console errors, failing audits.

Issue 12's acceptance: on the home page (My rope), the team board, the visit page with an
open visit and the Thinking Together page, accessibility and best practices 100, performance
at least 95, no console errors.

Method: a real `ropeteam demo` on a free port with a fresh data folder (the demo team, its
password and its worker, plain HTTP on loopback as `make demo` runs it). Through the JSON
API with bearer tokens: Sam goes out on a visit (ending in an hour) and asks Morgan by name
for a Thinking Together by chat, which Morgan accepts and moves on to step 2 (State the
case). Sam signs in over HTTP (the login form with its CSRF token) for a session cookie.

For each page and run a fresh headless Chromium (Debian's, /usr/bin/chromium) is started
with its own profile and the session cookie set in its cookie jar over the DevTools
protocol, so the page's own requests (its socket, its service worker's fetches) are signed
in as a phone's would be; then Lighthouse's CLI (the npm package, node_modules/.bin) runs
against it with its defaults: mobile form factor, simulated Slow 4G and a 4x slower CPU,
storage (service workers, caches) cleared before the page loads. Per page the median run by
performance score is reported: the three scores, the console errors Lighthouse saw
(`errors-in-console`) and every failing audit (score below 1, or a diagnostic that found
something) with its id and title.

The machine's load average is printed before and after: the performance score depends on
the CPU the page gets, so a busy machine scores lower.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realtime import free_port, git_commit, loadavg, machine

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
PASSWORD = "hold-the-rope-together"  # noqa: S105  the demo team's, printed by `ropeteam demo`
CATEGORIES = ("performance", "accessibility", "best-practices")
ATTEMPTS = 3  # failed Lighthouse runs per page before giving up
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
# As the browser tests start it (tests/browser/conftest.py): this machine's network is closed.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

Json = dict[str, Any]


# --- the server and what the pages need ------------------------------------------------------


class Demo:
    """`ropeteam demo` in its own process group, on a fresh data folder."""

    def __init__(self, keep: bool) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="ropeteam-lighthouse-"))
        self.keep = keep
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "ROPETEAM_DATA": str(self.tmp / "data")}
        self.log = self.tmp / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ropeteam.cli", "demo", "--port", str(self.port)],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"ropeteam demo exited:\n{self.log.read_text()[-3000:]}")
            ready = f"{self.url}/readyz"
            with (
                contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(ready, timeout=2) as response,  # noqa: S310
            ):
                if response.status == 200:
                    return
            time.sleep(0.25)
        raise SystemExit(f"ropeteam demo was not ready in 90 s:\n{self.log.read_text()[-3000:]}")

    def token(self, username: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ropeteam.cli", "token", "create", username, "--name", "bench"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    def api(self, token: str, method: str, path: str, body: Json | None = None) -> Json:
        request = urllib.request.Request(  # noqa: S310  our own server on loopback
            f"{self.url}/api/v1{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            result: Json = json.loads(response.read() or b"{}")
            return result

    def sign_in(self, username: str) -> list[Json]:
        """The cookies a browser holds after signing in through the login form."""
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(f"{self.url}/login/", timeout=30) as response:
            form = response.read().decode()
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if not match:
            raise SystemExit("no CSRF token on the login page")
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": match[1], "username": username, "password": PASSWORD}
        ).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/login/", data=data, headers={"Referer": f"{self.url}/login/"}
        )
        with opener.open(request, timeout=30) as response:
            response.read()
        cookies = [
            {
                "name": c.name,
                "value": c.value or "",
                "domain": "127.0.0.1",
                "path": c.path,
                "httpOnly": c.name == "sessionid",
                "sameSite": "Lax",
            }
            for c in jar
        ]
        if not any(c["name"] == "sessionid" for c in cookies):
            raise SystemExit(f"signing in as {username} gave no session cookie")
        return cookies

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


def prepare(demo: Demo) -> dict[str, str]:
    """An open visit for Sam and a Thinking Together with Morgan at step 2; the pages' paths."""
    sam, morgan = demo.token("sam"), demo.token("morgan")
    me = demo.api(sam, "GET", "/me")
    team = next(t for t in me["teams"] if t["name"] == "Northside Outreach")["id"]
    members = demo.api(sam, "GET", f"/teams/{team}/members")
    morgan_id = next(m["id"] for m in members if m["username"] == "morgan")
    ends = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    visit = demo.api(
        sam,
        "POST",
        f"/teams/{team}/visits",
        {"location": "Home visit, Northside estate", "expected_end": ends},
    )
    asked = demo.api(
        sam,
        "POST",
        f"/teams/{team}/thinking",
        {
            "task": "decision",
            "task_note": "Whether to tell the school about the new contact.",
            "urgency": "now",
            "mode": "chat",
            "ask": "named",
            "named_id": morgan_id,
            "steadiness": 5,
        },
    )
    consultation = asked["id"]
    demo.api(morgan, "POST", f"/thinking/{consultation}/accept")
    demo.api(sam, "POST", f"/thinking/{consultation}/step", {"step": 2})
    return {
        "home": "/",
        "team": "/team/",
        "visit": f"/visits/{visit['id']}/",
        "thinking": f"/thinking/{consultation}/",
    }


# --- Chromium and Lighthouse -----------------------------------------------------------------


class Chromium:
    """Headless Chromium with a fresh profile, a DevTools port and the given cookies."""

    def __init__(self, chromium: str, cookies: list[Json]) -> None:
        self.profile = tempfile.mkdtemp(prefix="ropeteam-lighthouse-chromium-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        endpoint = self._browser_endpoint()
        with connect(endpoint, max_size=None) as cdp:
            cdp.send(
                json.dumps(
                    {"id": 1, "method": "Storage.setCookies", "params": {"cookies": cookies}}
                )
            )
            while json.loads(cdp.recv()).get("id") != 1:
                pass

    def _browser_endpoint(self) -> str:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
                version = f"http://127.0.0.1:{self.port}/json/version"
                with urllib.request.urlopen(version, timeout=2) as response:
                    endpoint: str = json.loads(response.read())["webSocketDebuggerUrl"]
                    return endpoint
            time.sleep(0.2)
        raise SystemExit("Chromium did not open its DevTools port in 30 s")

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def lighthouse(url: str, port: int) -> Json:
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--port={port}",
            "--output=json",
            "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise LighthouseFailed(f"lighthouse exited with {done.returncode}: {done.stderr[-2000:]}")
    report: Json = json.loads(done.stdout)
    if report.get("runtimeError"):
        raise LighthouseFailed(str(report["runtimeError"]))
    return report


class LighthouseFailed(Exception):
    """Lighthouse gave no report (on a busy machine its trace sometimes misses the load)."""


def failing(audit: Json) -> bool:
    """An audit that counts against a score, or a diagnostic that found something."""
    mode = audit.get("scoreDisplayMode")
    if mode in ("binary", "numeric", "metricSavings"):
        return audit.get("score") is not None and audit["score"] < 1
    return False


def summary(report: Json) -> Json:
    scores = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    audits = report["audits"]
    # An audit counts in a category with a weight; a diagnostic (weight 0) is listed too.
    in_category = {
        ref["id"]: (category, ref.get("weight", 0))
        for category in CATEGORIES
        for ref in report["categories"][category]["auditRefs"]
    }
    failed = [
        {
            "id": audit_id,
            "title": audit["title"],
            "category": in_category[audit_id][0],
            "weight": in_category[audit_id][1],
            "score": audit["score"],
            "display": audit.get("displayValue", ""),
        }
        for audit_id, audit in audits.items()
        if audit_id in in_category and failing(audit)
    ]
    console = audits.get("errors-in-console", {}).get("details", {}).get("items", [])
    metrics = {
        key: round(audits[key]["numericValue"])
        for key in (
            "first-contentful-paint",
            "largest-contentful-paint",
            "total-blocking-time",
            "speed-index",
        )
        if key in audits and audits[key].get("numericValue") is not None
    }
    long_tasks = [
        {"url": t.get("url", ""), "start_ms": round(t["startTime"]), "ms": round(t["duration"])}
        for t in audits.get("long-tasks", {}).get("details", {}).get("items", [])[:5]
    ]
    shifts = [
        {"node": (s.get("node") or {}).get("snippet", ""), "score": round(s.get("score", 0), 3)}
        for s in audits.get("layout-shifts", {}).get("details", {}).get("items", [])[:3]
    ]
    if "cumulative-layout-shift" in audits:
        metrics["cumulative-layout-shift"] = round(
            audits["cumulative-layout-shift"].get("numericValue") or 0, 3
        )
    return {
        "scores": scores,
        "console_errors": [
            {
                "source": e.get("source", ""),
                "description": e.get("description", ""),
                "url": e.get("sourceLocation", {}).get("url", e.get("url", "")),
            }
            for e in console
        ],
        "failing_audits": failed,
        "metrics_ms": metrics,
        "long_tasks": long_tasks,
        "layout_shifts": shifts,
        "final_url": report.get("finalDisplayedUrl") or report.get("finalUrl"),
        "lighthouse_version": report.get("lighthouseVersion"),
        "user_agent": report.get("environment", {}).get("hostUserAgent"),
        "warnings": report.get("runWarnings", []),
    }


def measure(url: str, cookies: list[Json], runs: int, chromium: str) -> Json:
    results, failures = [], []
    while len(results) < runs and len(failures) < ATTEMPTS:
        browser = Chromium(chromium, cookies)
        try:
            results.append(summary(lighthouse(url, browser.port)))
        except LighthouseFailed as error:
            failures.append(str(error).strip().splitlines()[-1][:300])
            print(f"  (a run on {url} failed, trying again: {failures[-1]})", flush=True)
        finally:
            browser.close()
    if not results:
        raise SystemExit(f"Lighthouse failed {len(failures)} times on {url}: {failures}")
    ordered = sorted(results, key=lambda r: r["scores"]["performance"])
    median = ordered[(len(ordered) - 1) // 2]
    return {
        "url": url,
        **median,
        "runs": [
            {**r["scores"], **r["metrics_ms"], "long_tasks": r["long_tasks"]} for r in results
        ],
        "performance_runs": [r["scores"]["performance"] for r in results],
        "failed_runs": failures,
    }


def met(page: Json) -> bool:
    return (
        all(page["scores"][c] >= target for c, target in TARGETS.items())
        and not page["console_errors"]
    )


def print_page(name: str, page: Json) -> None:
    s = page["scores"]
    runs = ", ".join(str(p) for p in page["performance_runs"])
    print(
        f"{name}: {page['url']}\n"
        f"  performance {s['performance']} (runs: {runs}), accessibility {s['accessibility']}, "
        f"best practices {s['best-practices']} -> {'met' if met(page) else 'NOT MET'}"
    )
    m = page["metrics_ms"]
    print(
        "  FCP {} ms, LCP {} ms, TBT {} ms, SI {} ms, CLS {}".format(
            m.get("first-contentful-paint"),
            m.get("largest-contentful-paint"),
            m.get("total-blocking-time"),
            m.get("speed-index"),
            m.get("cumulative-layout-shift"),
        )
    )
    if page["final_url"] and page["final_url"] != page["url"]:
        print(f"  ended on {page['final_url']}")
    print(f"  console errors: {len(page['console_errors'])}")
    for error in page["console_errors"]:
        print(f"    [{error['source']}] {error['description'][:200]} {error['url']}")
    for audit in page["failing_audits"]:
        print(
            f"  failing: {audit['id']} ({audit['category']}, weight {audit['weight']}, "
            f"score {audit['score']}) {audit['title']} {audit['display']}"
        )
    for warning in page["warnings"]:
        print(f"  warning: {warning[:200]}")


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (median)")
    p.add_argument("--pages", default="home,team,visit,thinking", help="a comma-separated subset")
    p.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    p.add_argument("--keep", action="store_true", help="keep the data folder")
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: run `make setup` (npm ci).")
    before = loadavg()
    started = datetime.now(UTC)
    demo = Demo(args.keep)
    try:
        demo.start()
        paths = prepare(demo)
        cookies = demo.sign_in("sam")
        pages = {}
        for name in args.pages.split(","):
            pages[name] = measure(demo.url + paths[name], cookies, args.runs, args.chromium)
            print_page(name, pages[name])
            sys.stdout.flush()
    finally:
        demo.stop()
    report = {
        "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "command": "bench/lighthouse.py " + " ".join(argv),
        "machine": machine(),
        "chromium": subprocess.run(
            [args.chromium, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "loadavg_before": before,
        "loadavg_after": loadavg(),
        "targets": TARGETS,
        "signed_in_as": "sam",
        "pages": pages,
    }
    print(f"load average before {before}, after {report['loadavg_after']}")
    all_met = all(met(page) for page in pages.values())
    print(f"all targets met: {'yes' if all_met else 'NO'}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
