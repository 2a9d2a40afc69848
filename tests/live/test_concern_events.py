"""Concern events on the socket: the two it is between hear of it, with ids and states only;
nobody else in the team hears anything until it is escalated, and then only the lead."""

import asyncio
import json
from typing import Any

from tests.live.client import Socket
from tests.live.conftest import Live

SAID = {
    "noticed": "The Friday visit has no second worker",
    "matters": "I worry about you going alone",
    "suggest": "Could we pair up?",
    "asking": "Can we talk it through today?",
}
# What a concern event may carry: which concern, what happened, where it stands.
EVENT_KEYS = {"type", "event", "concern", "state", "level", "escalated"}


def _raise(live: Live, level: str) -> dict[str, Any]:
    raised = live.api(
        "alex",
        "POST",
        f"/api/v1/teams/{live.northside}/concerns",
        {"colleague_id": live.ids["morgan"], "level": level, **SAID},
    )
    assert isinstance(raised, dict)
    return raised


def _says_nothing(event: dict[str, Any]) -> None:
    assert set(event) == EVENT_KEYS
    text = json.dumps(event)
    assert [words for words in SAID.values() if words in text] == []


async def _concern_frames(socket: Socket) -> list[dict[str, Any]]:
    return [f for f in await socket.fence() if f["type"] == "concern"]


def test_a_concern_reaches_the_colleague_and_nobody_else_in_the_team(live: Live) -> None:
    async def scenario() -> None:
        sockets = {n: await Socket.join(live.url, live.token(n)) for n in ("morgan", "alex")}
        sockets |= {n: await Socket.join(live.url, live.token(n)) for n in ("jo", "priya")}
        try:
            raised = _raise(live, "probe")
            event = await sockets["morgan"].next("concern")
            assert event == {
                "type": "concern",
                "event": "raised",
                "concern": raised["id"],
                "state": "raised",
                "level": "probe",
                "escalated": False,
            }
            _says_nothing(event)
            assert (await sockets["alex"].next("concern"))["concern"] == raised["id"]
            live.api(
                "morgan",
                "POST",
                f"/api/v1/concerns/{raised['id']}/respond",
                {"response": "acknowledge", "text": "Yes, let's talk at two"},
            )
            answered = await sockets["alex"].next("concern")
            assert (answered["event"], answered["state"]) == ("responded", "responded")
            _says_nothing(answered)
            # A third colleague and the lead hear nothing of it, raised or answered.
            for name in ("jo", "priya"):
                assert await _concern_frames(sockets[name]) == []
        finally:
            for socket in sockets.values():
                await socket.close()

    asyncio.run(scenario())


def test_once_escalated_the_lead_hears_of_it_and_a_third_colleague_still_does_not(
    live: Live,
) -> None:
    async def scenario() -> None:
        sockets = {n: await Socket.join(live.url, live.token(n)) for n in ("priya", "jo")}
        try:
            raised = _raise(live, "challenge")
            path = f"/api/v1/concerns/{raised['id']}"
            assert await _concern_frames(sockets["priya"]) == []
            live.api(
                "morgan", "POST", f"{path}/respond", {"response": "see_differently", "text": "No"}
            )
            assert await _concern_frames(sockets["priya"]) == []
            # The second challenge takes it to the lead: she hears it, and what follows.
            live.api("alex", "POST", f"{path}/challenge", {"matters": "It is a safety issue"})
            event = await sockets["priya"].next("concern")
            assert (event["concern"], event["event"], event["escalated"]) == (
                raised["id"],
                "challenged",
                True,
            )
            _says_nothing(event)
            live.api("morgan", "POST", f"{path}/respond", {"response": "think_together"})
            after = await sockets["priya"].next("concern")
            assert (after["concern"], after["event"]) == (raised["id"], "responded")
            assert await _concern_frames(sockets["jo"]) == []
        finally:
            for socket in sockets.values():
                await socket.close()

    asyncio.run(scenario())


def test_an_escalation_by_the_worker_reaches_the_lead_live(live: Live) -> None:
    # The worker process re-sends and escalates; it holds no sockets, so the events travel
    # through the database to the server's.
    path = f"/api/v1/teams/{live.northside}/concerns/times"
    before = live.api("priya", "GET", path)
    assert isinstance(before, dict)
    live.api(
        "priya",
        "PUT",
        path,
        {"probe_seconds": 1, "alert_seconds": 3600, "challenge_seconds": 3600}
        | {"escalate_seconds": 3600, "next_up_id": None},
    )

    async def scenario() -> None:
        sockets = {n: await Socket.join(live.url, live.token(n)) for n in ("morgan", "priya")}
        try:
            raised = _raise(live, "probe")
            assert (await sockets["morgan"].next("concern"))["event"] == "raised"
            resent = await sockets["morgan"].next("concern", timeout=15)
            assert (resent["concern"], resent["event"]) == (raised["id"], "resent")
            escalated = await sockets["priya"].next("concern", timeout=15)
            assert (escalated["concern"], escalated["event"]) == (raised["id"], "escalated")
            assert escalated["escalated"] is True
            _says_nothing(escalated)
            live.api(
                "alex",
                "POST",
                f"/api/v1/concerns/{raised['id']}/resolve",
                {"resolution": "resolved"},
            )
        finally:
            for socket in sockets.values():
                await socket.close()

    try:
        asyncio.run(scenario())
    finally:
        live.api("priya", "PUT", path, before)


def test_the_next_person_up_outside_the_team_hears_of_it_through_their_own_team(
    live: Live,
) -> None:
    # A concern about the team lead goes to the next person up: kim, who leads Riverside.
    path = f"/api/v1/teams/{live.northside}/concerns/times"
    before = live.api("priya", "GET", path)
    assert isinstance(before, dict)
    live.api("priya", "PUT", path, before | {"next_up_id": live.ids["kim"]})

    async def scenario() -> None:
        kim = await Socket.join(live.url, live.token("kim"))
        try:
            raised = live.api(
                "alex",
                "POST",
                f"/api/v1/teams/{live.northside}/concerns",
                {"colleague_id": live.ids["priya"], "level": "escalate", **SAID},
            )
            assert isinstance(raised, dict)
            event = await kim.next("concern")
            assert (event["concern"], event["event"], event["escalated"]) == (
                raised["id"],
                "raised",
                True,
            )
            _says_nothing(event)
        finally:
            await kim.close()

    try:
        asyncio.run(scenario())
    finally:
        live.api("priya", "PUT", path, before)
