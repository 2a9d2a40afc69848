"""An urgent message sam sends over the socket that morgan does not read: jo, who holds
morgan's rope in the demo, hears of it on her own socket (from the worker, through the
database), names only; when she says she is checking on morgan, priya hears that too."""

import asyncio
from uuid import uuid4

import pytest

from tests.live.client import Socket
from tests.live.conftest import Live

pytestmark = [pytest.mark.timeout(120), pytest.mark.hazard("H5")]

WORDS = "Ring me before you go into Flat 9"


def test_an_unread_urgent_message_reaches_the_readers_rope_holder_live(live: Live) -> None:
    path = f"/api/v1/teams/{live.northside}/urgent-messages/wait"
    before = live.api("priya", "GET", path)
    live.api("priya", "PUT", path, {"wait_seconds": 1})
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        jo = await Socket.join(live.url, live.token("jo"))
        priya = await Socket.join(live.url, live.token("priya"))
        kim = await Socket.join(live.url, live.token("kim"))
        sam = await Socket.join(live.url, live.token("sam"))
        await sam.send(
            type="send",
            conversation=conversation,
            client_id=str(uuid4()),
            body=WORDS,
            urgent=True,
        )
        ack = await sam.next("ack")
        assert (await sam.next("message"))["urgent"] is True

        # Nobody reads it: after one wait morgan is reminded, after two jo is told.
        event = await jo.next("urgent", timeout=20)
        assert (event["event"], event["reader"]) == ("unread", live.ids["morgan"])
        assert WORDS not in str(event) and "conversation" not in event
        listed = live.api("jo", "GET", "/api/v1/me/urgent-messages")
        assert isinstance(listed, list)
        (shown,) = [u for u in listed if u["id"] == event["check"]]
        assert (shown["sender_name"], shown["reader_name"]) == ("Sam Okafor", "Morgan Ellis")

        live.api("jo", "POST", f"/api/v1/urgent-messages/{event['check']}/acknowledge")
        while (taken := await priya.next("urgent", timeout=20))["event"] != "acknowledged":
            pass
        assert (taken["check"], taken["acknowledged_by"]) == (event["check"], live.ids["jo"])
        # Riverside's lead hears nothing of Northside's messages.
        assert [f for f in await kim.fence() if f["type"] == "urgent"] == []
        assert ack["seq"] >= 1
        for socket in (jo, priya, kim, sam):
            await socket.close()

    try:
        asyncio.run(scenario())
    finally:
        live.api("priya", "PUT", path, before)
