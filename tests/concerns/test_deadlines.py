"""An unanswered concern is re-sent, then escalated to the lead, by a real worker.

`ropeteam demo` runs the server and its task worker as real processes; priya (Northside's
lead) sets a Probe's time to answer to 2 seconds through the API. alex raises a Probe with
morgan and watches its exchange as the raiser would. Deadlines are rows in the database, so
they fire after a kill -9 and a restart too, once each and in order.
"""

import time
import urllib.error
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.live.client import call
from tests.servers import Server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

WAIT = 2
TIMES = {
    "probe_seconds": WAIT,
    "alert_seconds": 3600,
    "challenge_seconds": 3600,
    "escalate_seconds": 3600,
}
SAID = {"noticed": "The Friday visit has no second worker", "asking": "Can we pair up?"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("concerns"), suffix="_concerns").start()
    try:
        yield running
    finally:
        running.stop()


class People:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.tokens = {name: server.token(name) for name in ("alex", "morgan", "priya")}
        teams = self.api("priya", "GET", "/api/v1/teams")
        self.team = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
        members = self.api("priya", "GET", f"/api/v1/teams/{self.team}/members")
        self.ids = {m["username"]: m["id"] for m in members}
        set_to = self.api("priya", "PUT", f"/api/v1/teams/{self.team}/concerns/times", TIMES)
        assert set_to["probe_seconds"] == WAIT

    def api(self, name: str, method: str, path: str, body: object = None) -> Any:
        return call(self.server.url, self.tokens[name], method, path, body)

    def status(self, name: str, path: str) -> int:
        try:
            self.api(name, "GET", path)
        except urllib.error.HTTPError as error:
            return error.code
        return 200

    def raise_probe(self) -> dict[str, Any]:
        raised: dict[str, Any] = self.api(
            "alex",
            "POST",
            f"/api/v1/teams/{self.team}/concerns",
            {"colleague_id": self.ids["morgan"], "level": "probe", **SAID},
        )
        return raised

    def concern(self, concern_id: int) -> dict[str, Any]:
        seen: dict[str, Any] = self.api("alex", "GET", f"/api/v1/concerns/{concern_id}")
        return seen


def _kinds(concern: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in concern["entries"]]


def _at(concern: dict[str, Any], kind: str) -> datetime:
    (entry,) = [e for e in concern["entries"] if e["kind"] == kind]
    return datetime.fromisoformat(entry["at"])


def _wait_for_escalation(people: People, concern_id: int, within: float) -> dict[str, Any]:
    """The concern once escalated; on the way, the lead must not see it before then."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lead = people.status("priya", f"/api/v1/concerns/{concern_id}")
        concern = people.concern(concern_id)
        if concern["escalated_at"] is not None:
            return concern
        # Read after hers: had she got in, it would show as escalated here.
        assert lead == 404, f"the lead saw it before it was escalated: {_kinds(concern)}"
        time.sleep(0.3)
    raise AssertionError(f"not escalated within {within} s: {_kinds(people.concern(concern_id))}")


def test_an_unanswered_probe_is_resent_then_escalated_to_the_lead_at_the_set_times(
    server: Server,
) -> None:
    people = People(server)
    raised = people.raise_probe()
    path = f"/api/v1/concerns/{raised['id']}"
    assert people.status("priya", path) == 404

    concern = _wait_for_escalation(people, raised["id"], within=60)

    assert _kinds(concern) == ["raised", "resent", "escalated"]
    created = datetime.fromisoformat(concern["created_at"])
    # Each deadline gave morgan its full time: the Probe's, then again once re-sent.
    assert (_at(concern, "resent") - created).total_seconds() >= WAIT
    assert (_at(concern, "escalated") - _at(concern, "resent")).total_seconds() >= WAIT
    assert concern["escalate_to_id"] == people.ids["priya"]
    assert concern["state"] == "raised"  # still morgan's to answer
    assert people.status("priya", path) == 200
    assert raised["id"] in [c["id"] for c in people.api("priya", "GET", "/api/v1/concerns")]


def test_an_answer_before_the_deadline_means_nothing_is_resent(server: Server) -> None:
    people = People(server)
    raised = people.raise_probe()
    people.api(
        "morgan",
        "POST",
        f"/api/v1/concerns/{raised['id']}/respond",
        {"response": "acknowledge", "text": "Yes, let's talk at two"},
    )

    time.sleep(2 * WAIT + 2)  # long past both deadlines

    concern = people.concern(raised["id"])
    assert _kinds(concern) == ["raised", "responded"]
    assert (concern["state"], concern["due_at"], concern["escalated_at"]) == (
        "responded",
        None,
        None,
    )
    assert people.status("priya", f"/api/v1/concerns/{raised['id']}") == 404


def test_deadlines_that_passed_while_the_server_was_down_fire_once_each_in_order(
    server: Server,
) -> None:
    people = People(server)
    raised = people.raise_probe()
    server.kill()  # kill -9 the server and its worker before the first deadline
    time.sleep(2 * WAIT + 1)  # past the re-send and the escalation it would have led to
    server.start()

    concern = _wait_for_escalation(people, raised["id"], within=30)
    time.sleep(WAIT + 1)  # time enough for anything that might fire twice

    again = people.concern(raised["id"])
    assert _kinds(again) == ["raised", "resent", "escalated"]
    assert again["escalated_at"] == concern["escalated_at"]
    assert _at(again, "resent") < _at(again, "escalated")
    assert people.status("priya", f"/api/v1/concerns/{raised['id']}") == 200
