"""One person's bad input never affects another (hazard H7), against a real server.

Northside: sam and morgan share a conversation; jo, their teammate, sends what a probe or a
broken client sends: text holding half of a surrogate pair (the JSON escape "\\ud800", which
no database can store) and frames nested tens of thousands deep. Frames are put on the wire
with json.dumps, which writes such text as that escape.
"""

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Coroutine
from typing import Any
from uuid import uuid4

import pytest

from tests.live.client import Socket
from tests.live.conftest import Live

pytestmark = pytest.mark.timeout(120)

BURST = 100
HALF = "\ud800"


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def poison(conversation: int, index: int) -> tuple[str, str, str | None, str | None]:
    """One bad frame: (raw text, the error code it gets, its field, its ref)."""
    client_id = str(uuid4())

    def send(**fields: Any) -> str:
        frame = {"type": "send", "conversation": conversation, "client_id": client_id}
        return json.dumps(frame | fields)

    kinds = [
        (send(body=HALF), "invalid", "body", client_id),
        (send(body=f"Back at four {chr(0xDC00)}"), "invalid", "body", client_id),
        (send(body="x", client_id=HALF), "invalid", "client_id", None),
        (send(body="x", type=f"send{HALF}"), "invalid", "type", client_id),
        (send(body="x", **{HALF: 1}), "invalid", None, client_id),
        ("[" * 60_000, "malformed", None, None),  # within 64 KiB: not closed for its size
        (send(body="x")[:-1] + ', "x": ' + nested(5_000) + "}", "malformed", None, None),
    ]
    return kinds[index % len(kinds)]


def messages(live: Live, username: str, conversation: int) -> list[dict[str, Any]]:
    page = live.api(username, "GET", f"/api/v1/conversations/{conversation}/messages?limit=200")
    assert isinstance(page, list)
    return page


@pytest.mark.hazard("H7")
def test_bad_frames_from_one_person_leave_every_message_of_another_acked_and_delivered(
    live: Live,
) -> None:
    conversation = live.conversation("sam", "morgan")
    jos = live.conversation("jo", "sam")

    async def scenario() -> None:
        jo = await Socket.join(live.url, live.token("jo"))
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        bad = [poison(jos, i) for i in range(BURST)]
        sent = []
        # Interleaved, so jo's frames arrive while sam's are being batched.
        for i, (raw, *_answer) in enumerate(bad):
            await jo.ws.send(raw)
            sent.append(await sam.say(conversation, f"burst {i}"))

        acks = [await sam.next("ack") for _ in sent]
        assert [a["client_id"] for a in acks] == sent
        seqs = [a["seq"] for a in acks]
        assert seqs == list(range(seqs[0], seqs[0] + BURST))
        received = [await morgan.next("message") for _ in sent]
        assert [(m["seq"], m["body"]) for m in received] == [
            (seq, f"burst {i}") for i, seq in enumerate(seqs)
        ]
        # Not one error for sam; nothing of jo's reached morgan.
        assert [f for f in await sam.fence() if f["type"] == "error"] == []
        assert await morgan.fence() == []

        errors = [await jo.next("error") for _ in bad]
        assert [(e["code"], e["field"], e["ref"]) for e in errors] == [
            tuple(answer) for _raw, *answer in bad
        ]
        assert all(e["detail"] for e in errors)
        assert await jo.fence() == []  # no ack: nothing of it was stored

        # jo's socket stayed open and works.
        still = await jo.say(jos, "Still here")
        ack = await jo.next("ack")
        assert ack["client_id"] == still
        assert (await sam.next("message"))["body"] == "Still here"
        for socket in (jo, sam, morgan):
            await socket.close()

        stored = messages(live, "morgan", conversation)
        assert [m["body"] for m in stored if m["client_id"] in sent] == [
            f"burst {i}" for i in range(BURST)
        ]
        refused = {ref for _raw, _code, _field, ref in bad}
        assert not [m for m in messages(live, "jo", jos) if m["client_id"] in refused]

    run(scenario())


def post_raw(live: Live, username: str, path: str, raw: str) -> tuple[int, dict[str, Any]]:
    """POST raw JSON text to the API; the status and the decoded answer, errors included."""
    request = urllib.request.Request(  # noqa: S310  the test server's own URL
        f"{live.server.url}/api/v1{path}",
        method="POST",
        data=raw.encode(),
        headers={
            "Authorization": f"Bearer {live.token(username)}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_http_api_refuses_what_the_socket_refuses_and_says_the_same(live: Live) -> None:
    conversation = live.conversation("jo", "sam")
    path = f"/conversations/{conversation}/messages"

    async def scenario() -> None:
        jo = await Socket.join(live.url, live.token("jo"))
        client_id = await jo.say(conversation, f"Back at four {HALF}")
        socket_error = await jo.next("error")
        await jo.ws.send("[" * 60_000)
        deep_error = await jo.next("error")
        await jo.close()

        # The same text over HTTP: refused before it reaches the database, with the same words.
        raw = json.dumps({"client_id": client_id, "body": f"Back at four {HALF}"})
        assert "\\ud800" in raw
        status, answer = post_raw(live, "jo", path, raw)
        assert (socket_error["code"], socket_error["field"]) == ("invalid", "body")
        assert status == 422
        assert answer["field"] == "body"
        assert socket_error["detail"] in answer["detail"]

        # Nested too deep: malformed on the socket, a 400 over HTTP; never a 500.
        assert deep_error["code"] == "malformed"
        status, answer = post_raw(live, "jo", path, "[" * 60_000)
        assert status == 400
        assert answer["detail"]

        # The same message written whole (an escaped pair is one character) is stored.
        emoji = json.dumps({"client_id": client_id, "body": "Back at four \U0001f697"})
        assert "\\ud83d\\ude97" in emoji
        status, answer = post_raw(live, "jo", path, emoji)
        assert status == 201
        stored = [m for m in messages(live, "sam", conversation) if m["client_id"] == client_id]
        assert [m["body"] for m in stored] == ["Back at four 🚗"]

    run(scenario())
