"""The /ws/v1 socket against a real server: what each frame does, and who may do it.

Northside: sam and morgan share a direct conversation; jo is a teammate who is not in it.
kim leads Riverside, another team: the outsider.
"""

import asyncio
import json
import urllib.parse
import urllib.request
from collections.abc import Coroutine
from http.cookiejar import CookieJar
from typing import Any
from uuid import uuid4

import pytest
import websockets

from tests.live.client import Socket
from tests.live.conftest import HEARTBEAT, Live

pytestmark = pytest.mark.timeout(120)


def run(scenario: Coroutine[Any, Any, None]) -> None:
    asyncio.run(scenario)


def messages(live: Live, username: str, conversation: int) -> list[dict[str, Any]]:
    page = live.api(username, "GET", f"/api/v1/conversations/{conversation}/messages?limit=200")
    assert isinstance(page, list)
    return page


def test_welcome_lists_my_conversations_and_my_teammates_only(live: Live) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        welcome = sam.welcome
        assert welcome["protocol"] == 1
        assert welcome["user"] == live.ids["sam"]
        assert welcome["heartbeat"] == HEARTBEAT
        assert str(conversation) in welcome["conversations"]
        teammates = {p["user"] for p in welcome["presence"]}
        assert live.ids["morgan"] in teammates and live.ids["jo"] in teammates
        assert live.ids["kim"] not in teammates and live.ids["lee"] not in teammates
        assert live.ids["sam"] not in teammates
        await sam.close()

    run(scenario())


def test_a_send_is_acknowledged_once_stored_and_reaches_every_participant_device(
    live: Live,
) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        sams_other_device = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        jo = await Socket.join(live.url, live.token("jo"))
        client_id = await sam.say(conversation, "  At the flat now, back by four  ")
        ack = await sam.next("ack")
        assert ack["client_id"] == client_id and ack["duplicate"] is False
        # Acknowledged means stored: the HTTP API already has it, trimmed, with that seq.
        stored = messages(live, "morgan", conversation)[-1]
        assert (stored["seq"], stored["body"]) == (ack["seq"], "At the flat now, back by four")
        for socket in (morgan, sams_other_device, sam):
            event = await socket.next("message")
            assert event["conversation"] == conversation
            assert event["seq"] == ack["seq"]
            assert event["sender"] == live.ids["sam"]
            assert event["client_id"] == client_id
            assert event["body"] == "At the flat now, back by four"
        assert await jo.fence() == []  # a teammate outside the conversation hears nothing
        for socket in (sam, sams_other_device, morgan, jo):
            await socket.close()

    run(scenario())


def test_a_retry_with_the_same_client_id_is_the_same_message_even_with_new_text(
    live: Live,
) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        client_id = await sam.say(conversation, "Running late")
        first = await sam.next("ack")
        assert (await morgan.next("message"))["seq"] == first["seq"]
        # The device lost the ack and retries, on a new socket, with edited text.
        await sam.close()
        sam = await Socket.join(live.url, live.token("sam"))
        await sam.say(conversation, "Running late, sorry", client_id=client_id)
        again = await sam.next("ack")
        assert again["seq"] == first["seq"] and again["duplicate"] is True
        assert await morgan.fence() == []  # nobody receives it twice
        same = [m for m in messages(live, "sam", conversation) if m["client_id"] == client_id]
        assert [m["body"] for m in same] == ["Running late"]
        # The same client_id in another conversation is refused, not stored.
        other = live.conversation("sam", "jo")
        await sam.say(other, "Elsewhere", client_id=client_id)
        error = await sam.next("error")
        assert (error["code"], error["field"], error["ref"]) == ("conflict", "client_id", client_id)
        assert all(m["client_id"] != client_id for m in messages(live, "sam", other))
        await sam.close()
        await morgan.close()

    run(scenario())


def test_messages_sent_together_get_gap_free_seqs_in_order(live: Live) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        sent = [await sam.say(conversation, f"note {i}") for i in range(50)]
        acks = [await sam.next("ack") for _ in sent]
        assert [a["client_id"] for a in acks] == sent
        seqs = [a["seq"] for a in acks]
        assert seqs == list(range(seqs[0], seqs[0] + 50))
        received = [await morgan.next("message") for _ in sent]
        assert [m["seq"] for m in received] == seqs
        assert [m["body"] for m in received] == [f"note {i}" for i in range(50)]
        await sam.close()
        await morgan.close()

    run(scenario())


def test_receipts_reach_every_participant_and_only_move_forward(live: Live) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        await sam.say(conversation, "Can you call me?")
        seq = (await sam.next("ack"))["seq"]
        await sam.next("message")
        await morgan.next("message")
        await morgan.send(type="receipt", conversation=conversation, delivered=seq)
        receipt = await sam.next("receipt")
        assert receipt == {
            "type": "receipt",
            "conversation": conversation,
            "user": live.ids["morgan"],
            "delivered": seq,
            "read": receipt["read"],
        }
        assert receipt["read"] < seq
        # Read beyond the last message is capped; going back changes nothing.
        await morgan.send(type="receipt", conversation=conversation, read=seq + 100)
        receipt = await sam.next("receipt")
        assert (receipt["delivered"], receipt["read"]) == (seq, seq)
        await morgan.send(type="receipt", conversation=conversation, read=1, delivered=1)
        await morgan.writer_fence()
        assert await sam.fence() == []
        listed = live.api("sam", "GET", "/api/v1/conversations")
        assert isinstance(listed, list)
        mine = next(c for c in listed if c["id"] == conversation)
        marks = {
            p["id"]: (p["last_delivered_seq"], p["last_read_seq"]) for p in mine["participants"]
        }
        assert marks[live.ids["morgan"]] == (seq, seq)
        await sam.close()
        await morgan.close()

    run(scenario())


def test_typing_reaches_the_others_in_the_conversation_at_most_once_a_second(
    live: Live,
) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        jo = await Socket.join(live.url, live.token("jo"))
        for _ in range(5):
            await sam.send(type="typing", conversation=conversation)
        typing = await morgan.next("typing")
        assert typing == {"type": "typing", "conversation": conversation, "user": live.ids["sam"]}
        for socket in (morgan, sam, jo):  # once; not echoed to sam, not heard by jo
            await socket.send(type="ping")
            while (frame := await socket.ws.recv()) and json.loads(frame)["type"] != "heartbeat":
                assert json.loads(frame)["type"] != "typing"
        for socket in (sam, morgan, jo):
            await socket.close()

    run(scenario())


def test_resume_replays_what_was_missed_in_order_then_says_synced(live: Live) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        await sam.say(conversation, "first")
        cursor = (await sam.next("ack"))["seq"]
        await sam.close()
        # Morgan is offline while sam writes 250 messages (more than one replay page).
        sam = await Socket.join(live.url, live.token("sam"))
        for i in range(250):
            await sam.say(conversation, f"missed {i}")
        acks = [await sam.next("ack") for _ in range(250)]
        morgan = await Socket.join(live.url, live.token("morgan"))
        last = acks[-1]["seq"]
        assert morgan.welcome["conversations"][str(conversation)] == last
        await morgan.send(type="resume", cursors={str(conversation): cursor})
        replayed = [await morgan.next("message") for _ in range(250)]
        assert [m["seq"] for m in replayed] == list(range(cursor + 1, last + 1))
        assert [m["body"] for m in replayed] == [f"missed {i}" for i in range(250)]
        synced = await morgan.next("synced")
        assert (synced["conversation"], synced["seq"]) == (conversation, last)
        # With every participant's marks: sam has read all he wrote; morgan not yet.
        marks = synced["marks"]
        assert set(marks) == {str(live.ids["sam"]), str(live.ids["morgan"])}
        assert marks[str(live.ids["sam"])] == {"delivered": last, "read": last}
        assert marks[str(live.ids["morgan"])]["read"] < last
        await sam.close()
        await morgan.close()

    run(scenario())


def test_heartbeats_carry_each_conversations_last_seq_from_the_database(live: Live) -> None:
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        morgan = await Socket.join(live.url, live.token("morgan"))
        # A message that reaches the database without the socket path (the HTTP API).
        sent = live.api(
            "sam",
            "POST",
            f"/api/v1/conversations/{conversation}/messages",
            {"client_id": str(uuid4()), "body": "Sent from a phone without a socket"},
        )
        assert isinstance(sent, dict)
        event = await morgan.next("message")
        assert event["seq"] == sent["seq"]
        # Unprompted, within one heartbeat interval and a little.
        beat = await morgan.next("heartbeat", timeout=HEARTBEAT + 3)
        assert beat["conversations"][str(conversation)] == sent["seq"]
        await morgan.close()

    run(scenario())


# --- bad frames ------------------------------------------------------------------------------


def _send(**fields: Any) -> str:
    return json.dumps({"type": "send", "conversation": 1, "client_id": str(uuid4()), **fields})


BAD_FRAMES = [
    ("not json", "malformed", None),
    ("[1, 2]", "malformed", None),
    ('"send"', "malformed", None),
    ('{"type": "shout"}', "malformed", "type"),
    ('{"no": "type"}', "malformed", "type"),
    ('{"type": "send", "conversation": 1, "body": "x"}', "malformed", "client_id"),
    (_send(client_id="nope", body="x"), "malformed", "client_id"),
    (_send(conversation=True, body="x"), "malformed", "conversation"),
    (_send(conversation="1", body="x"), "malformed", "conversation"),
    (_send(conversation=10**20, body="x"), "malformed", "conversation"),
    (_send(body=5), "malformed", "body"),
    (_send(body="  "), "invalid", "body"),
    (_send(body="x" * 4001), "invalid", "body"),
    (_send(body="a\x00b"), "invalid", "body"),
    ('{"type": "receipt", "conversation": 1}', "malformed", "delivered"),
    ('{"type": "receipt", "conversation": 1, "read": -1}', "malformed", "read"),
    ('{"type": "receipt", "conversation": 1, "read": 1.5}', "malformed", "read"),
    ('{"type": "typing"}', "malformed", "conversation"),
    ('{"type": "resume", "cursors": [1]}', "malformed", "cursors"),
    ('{"type": "resume", "cursors": {"x": 1}}', "malformed", "cursors"),
    ('{"type": "resume", "cursors": {"1": "2"}}', "malformed", "cursors"),
]


def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(live: Live) -> None:
    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        for raw, code, field in BAD_FRAMES:
            await sam.ws.send(raw)
            error = await sam.next("error")
            assert (error["code"], error["field"]) == (code, field), raw
            assert error["detail"]
        await sam.ws.send(b"\x00\xff binary")
        assert (await sam.next("error"))["code"] == "malformed"
        assert await sam.fence() == []  # still open, still answering
        await sam.close()

    run(scenario())


def test_a_frame_over_64_kib_closes_with_1009(live: Live) -> None:
    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        await sam.ws.send(json.dumps({"type": "ping", "pad": "x" * 70_000}))
        assert await sam.close_code() == 1009

    run(scenario())


# --- who may connect -------------------------------------------------------------------------


def test_no_credentials_or_a_bad_token_closes_with_4401(live: Live) -> None:
    async def scenario() -> None:
        for token in (None, "rt_not-a-real-token"):
            socket = await Socket.open(live.url, token=token)
            assert await socket.close_code() == 4401

    run(scenario())


def _signed_in_cookie(live: Live, username: str) -> tuple[str, urllib.request.OpenerDirector, str]:
    """Sign in through the login form; the Cookie header, the browser-like opener, csrf."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{live.server.url}/login/")
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": "hold-the-rope-together", "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  a URL of the test server
        f"{live.server.url}/login/", data=form, headers={"Referer": f"{live.server.url}/login/"}
    )
    opener.open(request)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    assert "sessionid=" in cookie
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, opener, csrf


def test_a_browser_session_connects_from_this_site_and_not_from_another(live: Live) -> None:
    cookie, _opener, _csrf = _signed_in_cookie(live, "jo")

    async def scenario() -> None:
        mine = await Socket.open(live.url, cookie=cookie, origin=live.server.url)
        assert (await mine.next("welcome"))["user"] == live.ids["jo"]
        await mine.close()
        elsewhere = await Socket.open(live.url, cookie=cookie, origin="https://evil.example")
        assert await elsewhere.close_code() == 4403

    run(scenario())


# --- permissions, frame by frame -------------------------------------------------------------


@pytest.mark.parametrize("username", ["kim", "jo"])
def test_someone_outside_a_conversation_can_neither_send_read_nor_learn_it_exists(
    live: Live, username: str
) -> None:
    conversation = live.conversation("sam", "morgan")
    missing = 10**12

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        outsider = await Socket.join(live.url, live.token(username))
        assert str(conversation) not in outsider.welcome["conversations"]
        answers: dict[int, list[dict[str, Any]]] = {}
        for target in (conversation, missing):
            client_id = str(uuid4())
            await outsider.say(target, "let me in", client_id=client_id)
            send_error = await outsider.next("error")
            assert send_error["ref"] == client_id
            await outsider.send(type="receipt", conversation=target, read=1)
            await outsider.send(type="typing", conversation=target)
            await outsider.send(type="resume", cursors={str(target): 0})
            rest = [await outsider.next("error") for _ in range(3)]
            answers[target] = [
                {k: v for k, v in e.items() if k != "ref"} for e in [send_error, *rest]
            ]
        # A conversation that exists reads exactly like one that does not.
        assert answers[conversation] == answers[missing]
        assert {a["code"] for a in answers[conversation]} == {"not_found"}
        # Nothing was stored, and what sam says next never reaches the outsider.
        assert all(m["body"] != "let me in" for m in messages(live, "sam", conversation))
        await sam.say(conversation, "Only for morgan")
        await sam.send(type="typing", conversation=conversation)
        await sam.next("ack")
        assert await outsider.fence() == []
        await sam.close()
        await outsider.close()

    run(scenario())


def test_a_revoked_token_closes_its_socket_within_two_seconds(live: Live) -> None:
    created = live.api("sam", "POST", "/api/v1/me/tokens", {"name": "spare phone"})
    assert isinstance(created, dict)

    async def scenario() -> None:
        socket = await Socket.join(live.url, created["token"])
        live.api("sam", "DELETE", f"/api/v1/me/tokens/{created['id']}")
        assert await socket.close_code(timeout=2) == 4410
        again = await Socket.open(live.url, token=created["token"])
        assert await again.close_code() == 4401

    run(scenario())


def test_signing_out_closes_the_browsers_socket_within_two_seconds(live: Live) -> None:
    cookie, opener, csrf = _signed_in_cookie(live, "alex")

    async def scenario() -> None:
        socket = await Socket.open(live.url, cookie=cookie, origin=live.server.url)
        await socket.next("welcome")
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(  # noqa: S310  a URL of the test server
            f"{live.server.url}/logout/",
            data=form,
            headers={"Referer": f"{live.server.url}/", "Origin": live.server.url},
        )
        await asyncio.to_thread(opener.open, request)
        assert await socket.close_code(timeout=2) == 4410
        again = await Socket.open(live.url, cookie=cookie, origin=live.server.url)
        assert await again.close_code() == 4401

    run(scenario())


def test_removal_from_the_team_closes_the_socket_and_nothing_more_reaches_it(
    live: Live,
) -> None:
    conversation = live.conversation("kim", "lee", team=live.riverside)

    async def scenario() -> None:
        lee = await Socket.join(live.url, live.token("lee"))
        kim = await Socket.join(live.url, live.token("kim"))
        assert str(conversation) in lee.welcome["conversations"]
        live.api("kim", "DELETE", f"/api/v1/teams/{live.riverside}/members/{live.ids['lee']}")
        try:
            assert await lee.close_code(timeout=2) == 4410
            lee = await Socket.join(live.url, live.token("lee"))
            assert str(conversation) not in lee.welcome["conversations"]
            await kim.say(conversation, "After you left")
            await kim.next("ack")
            await lee.send(type="resume", cursors={str(conversation): 0})
            assert (await lee.next("error"))["code"] == "not_found"
            assert await lee.fence() == []
        finally:
            live.api(
                "kim",
                "POST",
                f"/api/v1/teams/{live.riverside}/members",
                {"username": "lee", "role": "practitioner", "grade": "practitioner"},
            )
        await lee.close()
        await kim.close()

    run(scenario())


def test_deactivating_an_account_closes_its_sockets_within_two_seconds(live: Live) -> None:
    async def scenario() -> None:
        dee = await Socket.join(live.url, live.token("dee"))
        path = f"/api/v1/organisations/{_organisation(live)}/accounts/{live.ids['dee']}"
        live.api("admin", "PATCH", path, {"is_active": False})
        try:
            assert await dee.close_code(timeout=2) == 4410
            again = await Socket.open(live.url, token=live.token("dee"))
            assert await again.close_code() == 4401
        finally:
            live.api("admin", "PATCH", path, {"is_active": True})
            live.tokens.pop("dee")  # deleted with the deactivation, not revived

    run(scenario())


def test_deactivating_an_account_in_the_admin_closes_its_sockets_within_two_seconds(
    live: Live,
) -> None:
    # The support admin goes through the same action as the API: the socket is closed too.
    _cookie, opener, csrf = _signed_in_cookie(live, "admin")
    page = f"{live.server.url}/admin/people/user/{live.ids['dee']}/change/"

    def post(fields: dict[str, str]) -> None:
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields}).encode()
        request = urllib.request.Request(page, data=form, headers={"Referer": page})  # noqa: S310
        opener.open(request)

    async def scenario() -> None:
        dee = await Socket.join(live.url, live.token("dee"))
        post({})  # "Active" unticked
        try:
            assert await dee.close_code(timeout=2) == 4410
        finally:
            post({"is_active": "on"})
        old_token = live.tokens.pop("dee")  # deleted with the deactivation, not revived
        assert await (await Socket.open(live.url, token=old_token)).close_code() == 4401
        again = await Socket.join(live.url, live.token("dee"))
        await again.close()

    run(scenario())


def _organisation(live: Live) -> int:
    team = live.api("admin", "GET", f"/api/v1/teams/{live.northside}")
    assert isinstance(team, dict)
    return int(team["organisation_id"])


def test_presence_shows_teammates_coming_and_going_and_changing_availability(
    live: Live,
) -> None:
    async def scenario() -> None:
        priya = await Socket.join(live.url, live.token("priya"))
        kim = await Socket.join(live.url, live.token("kim"))
        jo = await Socket.join(live.url, live.token("jo"))
        came = await priya.next("presence")
        assert (came["user"], came["online"]) == (live.ids["jo"], True)
        live.api("jo", "PUT", "/api/v1/me/availability", {"status": "busy"})
        changed = await priya.next("presence")
        assert (changed["user"], changed["availability"], changed["online"]) == (
            live.ids["jo"],
            "busy",
            True,
        )
        await jo.close()
        went = await priya.next("presence")
        assert (went["user"], went["online"]) == (live.ids["jo"], False)
        # kim is in another team: she hears none of it.
        await kim.send(type="ping")
        while (raw := await kim.ws.recv()) and (frame := json.loads(raw))["type"] != "heartbeat":
            assert frame["type"] != "presence" or frame["user"] != live.ids["jo"]
        live.api("jo", "PUT", "/api/v1/me/availability", {"status": "available"})
        await priya.close()
        await kim.close()

    run(scenario())


def test_an_unknown_path_is_refused(live: Live) -> None:
    async def scenario() -> None:
        with pytest.raises(websockets.InvalidStatus):
            await Socket.open(live.url.replace("/ws/v1", "/ws/v0"), token=live.token("sam"))

    run(scenario())
