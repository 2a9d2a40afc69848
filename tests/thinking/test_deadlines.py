"""An unanswered "now" request widens, then reaches the duty lead, run by a real worker.

`ropeteam demo` runs the server and its task worker as real processes; priya (Northside's
lead) sets each circle's wait to 2 seconds. Deadlines are rows in the database, so they
fire after a kill -9 and a restart too.
"""

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.live.client import call
from tests.servers import Server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

WAIT = 2
TEAM, DUTY_LEAD = 3, 4


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("thinking"), suffix="_thinking").start()
    try:
        yield running
    finally:
        running.stop()


class People:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.tokens = {name: server.token(name) for name in ("sam", "priya")}
        teams = self.api("priya", "GET", "/api/v1/teams")
        self.team = next(t["id"] for t in teams if t["name"] == "Northside Outreach")

    def api(self, name: str, method: str, path: str, body: object = None) -> Any:
        return call(self.server.url, self.tokens[name], method, path, body)


def _ask(people: People) -> dict[str, Any]:
    people.api(
        "priya",
        "PUT",
        f"/api/v1/teams/{people.team}/thinking/waits",
        {"now_seconds": WAIT, "within_hour_seconds": 600, "today_seconds": 3600},
    )
    asked: dict[str, Any] = people.api(
        "sam",
        "POST",
        f"/api/v1/teams/{people.team}/thinking",
        {"task": "decision", "urgency": "now", "mode": "phone", "ask": "rope"},
    )
    return asked


def _wait_for_duty_lead(people: People, consultation_id: int, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        detail: dict[str, Any] = people.api("sam", "GET", f"/api/v1/thinking/{consultation_id}")
        if detail["circle"] == DUTY_LEAD:
            return detail
        time.sleep(0.5)
    raise AssertionError(f"the request did not reach the duty lead within {within} s")


def _circles_reached(detail: dict[str, Any]) -> list[tuple[int, datetime]]:
    """Each circle reached, with when, in order (the duty lead may have been asked before,
    among the team: reaching that circle is the alert)."""
    first: dict[int, datetime] = {}
    for asked in detail["asked"]:
        at = datetime.fromisoformat(asked["asked_at"])
        first[asked["circle"]] = min(first.get(asked["circle"], at), at)
    if detail["duty_lead_alerted_at"] is not None:
        first[DUTY_LEAD] = datetime.fromisoformat(detail["duty_lead_alerted_at"])
    return sorted(first.items(), key=lambda item: item[1])


def test_an_unanswered_now_request_widens_then_reaches_the_duty_lead_at_the_set_times(
    server: Server,
) -> None:
    people = People(server)
    request = _ask(people)
    created = datetime.fromisoformat(request["created_at"])
    assert request["state"] == "requested"
    detail = _wait_for_duty_lead(people, request["id"], within=60)
    circles = _circles_reached(detail)
    assert [c for c, _at in circles] == [request["circle"], TEAM, DUTY_LEAD]
    # Each circle had its full wait before the next was asked.
    (_first, _), (_team, team_at), (_lead, lead_at) = circles
    assert (team_at - created).total_seconds() >= WAIT
    assert (lead_at - team_at).total_seconds() >= WAIT
    assert detail["state"] == "requested"  # it waits, visible to the duty lead, never vanishes
    assert detail["widen_at"] is None
    priya_asked = people.api("priya", "GET", f"/api/v1/teams/{people.team}/thinking/asked")
    assert request["id"] in [c["id"] for c in priya_asked]


def test_deadlines_that_passed_while_the_server_was_down_fire_once_after_the_restart(
    server: Server,
) -> None:
    people = People(server)
    request = _ask(people)
    server.kill()  # kill -9 the server and its worker before the first deadline
    time.sleep(WAIT + 1)
    server.start()
    detail = _wait_for_duty_lead(people, request["id"], within=30)
    circles = _circles_reached(detail)
    assert [c for c, _at in circles] == [request["circle"], TEAM, DUTY_LEAD]
    # Each colleague was asked once, whatever fired late.
    users = [a["user_id"] for a in detail["asked"]]
    assert len(users) == len(set(users))
