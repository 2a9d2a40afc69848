"""Thinking Together events on the socket: the people asked hear of a request at once, and
hear that it was taken; nobody else hears anything."""

import asyncio

from tests.live.client import Socket
from tests.live.conftest import Live


def test_a_request_reaches_those_asked_and_they_hear_when_it_is_taken(live: Live) -> None:
    async def scenario() -> None:
        jo = await Socket.join(live.url, live.token("jo"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        kim = await Socket.join(live.url, live.token("kim"))
        sam = await Socket.join(live.url, live.token("sam"))
        request = live.api(
            "sam",
            "POST",
            f"/api/v1/teams/{live.northside}/thinking",
            {
                "task": "decision",
                "urgency": "now",
                "mode": "chat",
                "ask": "named",
                "named_id": live.ids["jo"],
            },
        )
        assert isinstance(request, dict)
        event = await jo.next("thinking")
        assert (event["event"], event["consultation"], event["seeker"]) == (
            "requested",
            request["id"],
            live.ids["sam"],
        )
        live.api("jo", "POST", f"/api/v1/thinking/{request['id']}/accept")
        accepted = await sam.next("thinking")
        assert (accepted["event"], accepted["helper"]) == ("accepted", live.ids["jo"])
        assert (await jo.next("thinking"))["event"] == "accepted"
        # morgan was not asked and kim is in another team: neither hears of it.
        for outsider in (morgan, kim):
            assert [f for f in await outsider.fence() if f["type"] == "thinking"] == []
        for socket in (jo, morgan, kim, sam):
            await socket.close()

    asyncio.run(scenario())


def test_a_request_widened_by_the_worker_reaches_the_next_circle_live(live: Live) -> None:
    # The worker process widens the request; it holds no sockets, so the event travels
    # through the database to the server's (no Redis needed on one machine).
    waits = {"now_seconds": 1, "within_hour_seconds": 3600, "today_seconds": 3600}
    path = f"/api/v1/teams/{live.northside}/thinking/waits"
    before = live.api("priya", "GET", path)
    live.api("priya", "PUT", path, waits)

    async def scenario() -> None:
        morgan = await Socket.join(live.url, live.token("morgan"))
        request = live.api(
            "sam",
            "POST",
            f"/api/v1/teams/{live.northside}/thinking",
            {
                "task": "plan",
                "urgency": "now",
                "mode": "phone",
                "ask": "named",
                "named_id": live.ids["alex"],
            },
        )
        assert isinstance(request, dict)
        try:
            # sam's rope (jo, morgan, priya) is the next circle once the second has passed.
            event = await morgan.next("thinking", timeout=15)
            assert (event["event"], event["consultation"]) == ("requested", request["id"])
        finally:
            live.api("sam", "POST", f"/api/v1/thinking/{request['id']}/cancel")
            await morgan.close()

    try:
        asyncio.run(scenario())
    finally:
        live.api("priya", "PUT", path, before)
