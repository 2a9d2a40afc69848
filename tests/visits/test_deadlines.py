"""Visit deadlines with real processes: they fire once, in order, even across a kill -9.

`ropeteam demo` runs the server and its worker (which sweeps visit deadlines every second).
priya, Northside's lead, sets a chain of seconds: prompt at the end, rope holder +4 s, duty
lead +6 s, team lead +8 s.
"""

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.live.client import call
from tests.servers import Server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

CHAIN = {
    "prompt_seconds": 0,
    "rope_holder_seconds": 4,
    "duty_lead_seconds": 6,
    "team_lead_seconds": 8,
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("visits"), suffix="_visits").start()
    try:
        yield running
    finally:
        running.stop()


class People:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.tokens = {name: server.token(name) for name in ("sam", "jo", "priya")}
        teams = self.api("priya", "GET", "/api/v1/teams")
        self.team = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
        self.api("priya", "PUT", f"/api/v1/teams/{self.team}/visits/chain", CHAIN)
        me = self.api("jo", "GET", "/api/v1/me")
        self.jo = me["id"]

    def api(self, name: str, method: str, path: str, body: object = None) -> Any:
        return call(self.server.url, self.tokens[name], method, path, body)

    def go_out(self, seconds: float) -> dict[str, Any]:
        end = datetime.now(UTC) + timedelta(seconds=seconds)
        visit: dict[str, Any] = self.api(
            "sam",
            "POST",
            f"/api/v1/teams/{self.team}/visits",
            {
                "location": "Flat 3, Harbour Court",
                "expected_end": end.isoformat(),
                "rope_holder_id": self.jo,
            },
        )
        self.api("jo", "POST", f"/api/v1/visits/{visit['id']}/rope")
        return visit

    def steps(self, visit_id: int) -> list[dict[str, Any]]:
        visit = self.api("sam", "GET", f"/api/v1/visits/{visit_id}")
        return [e for e in visit["escalations"] if e["step"] != 9]


def _wait_for_steps(
    people: People, visit_id: int, count: int, within: float
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        steps = people.steps(visit_id)
        if len(steps) >= count:
            return steps
        time.sleep(0.3)
    raise AssertionError(f"{count} steps did not fire within {within} s: {people.steps(visit_id)}")


def test_steps_that_fell_due_while_the_server_was_down_fire_once_in_order_after_restart(
    server: Server,
) -> None:
    people = People(server)
    visit = people.go_out(seconds=1)
    server.kill()  # kill -9 the server and its worker before the first step
    time.sleep(1 + CHAIN["rope_holder_seconds"] + 1)  # past the prompt and the rope holder
    server.start()
    restarted = time.monotonic()
    steps = _wait_for_steps(people, visit["id"], 2, within=30)
    assert time.monotonic() - restarted < 30
    assert [s["step"] for s in steps[:2]] == [0, 1]
    assert steps[1]["told"] == [people.jo]
    # Once each: however many sweeps ran since, there is one row per step.
    assert len({s["step"] for s in steps}) == len(steps)


def test_ending_a_visit_midway_cancels_the_steps_still_to_come(server: Server) -> None:
    people = People(server)
    visit = people.go_out(seconds=1)
    steps = _wait_for_steps(people, visit["id"], 1, within=30)
    assert [s["step"] for s in steps] == [0]
    people.api("sam", "POST", f"/api/v1/visits/{visit['id']}/end")
    time.sleep(CHAIN["team_lead_seconds"] + 2)  # long past every step's time
    assert [s["step"] for s in people.steps(visit["id"])] == [0]
    ended = people.api("sam", "GET", f"/api/v1/visits/{visit['id']}")
    assert (ended["state"], ended["next_due_at"]) == ("ended", None)
