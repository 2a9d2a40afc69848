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
