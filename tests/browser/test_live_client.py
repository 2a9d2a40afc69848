"""live.js against a scripted server: keeping in step and close codes, frame by frame.

The page talks to a stand-in for /ws/v1 (Playwright's websocket routing), so each rule of
docs/protocol.md "Keeping in step" is checked on its own, whatever the real server does.
"""

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.conftest import PHONE, Visit, until

pytestmark = pytest.mark.browser


class FakeServer:
    """The socket the page opened last, and every frame the page sent on it."""

    def __init__(self, tab: Visit) -> None:
        self.socket: WebSocketRoute | None = None
        self.connections = 0
        self.received: list[dict[str, Any]] = []
        tab.page.context.route_web_socket("**/ws/v1", self._accept)

    def _accept(self, socket: WebSocketRoute) -> None:
        self.socket = socket
        self.connections += 1
        socket.on_message(lambda text: self.received.append(json.loads(text)))

    def send(self, frame: dict[str, Any]) -> None:
        assert self.socket is not None
        self.socket.send(json.dumps(frame))

    def expect_frame(self, tab: Visit, **fields: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for frame in self.received:
                if all(frame.get(k) == v for k, v in fields.items()):
                    self.received.remove(frame)
                    return frame
            tab.page.wait_for_timeout(50)
        raise AssertionError(f"no frame like {fields} in {self.received}")


def _thread(visit: Callable[..., Visit]) -> tuple[Visit, FakeServer, dict[str, Any]]:
    tab = visit(PHONE)
    server = FakeServer(tab)
    tab.sign_in("alex")
    tab.page.get_by_role("button", name="Message Priya Shah").click()
    data = json.loads(tab.page.locator("#thread-data").text_content() or "{}")
    return tab, server, data


def _welcome(server: FakeServer, data: dict[str, Any], last_seq: int) -> None:
    server.send(
        {
            "type": "welcome",
            "protocol": 1,
            "user": data["me"],
            "heartbeat": 25,
            "conversations": {str(data["conversation"]): last_seq},
            "presence": [],
        }
    )


def _message(data: dict[str, Any], seq: int, body: str) -> dict[str, Any]:
    return {
        "type": "message",
        "conversation": data["conversation"],
        "seq": seq,
        "sender": int(next(k for k in data["names"] if int(k) != data["me"])),
        "client_id": f"00000000-0000-4000-8000-{seq:012d}",
        "body": body,
        "sent_at": "2026-11-27T15:04:05+00:00",
    }


def test_live_client_keeps_in_step_as_the_protocol_says(visit: Callable[..., Visit]) -> None:
    tab, server, data = _thread(visit)
    conversation, cursor = data["conversation"], data["cursor"]
    _welcome(server, data, cursor)
    server.expect_frame(tab, type="resume", cursors={str(conversation): cursor})
    server.send({"type": "synced", "conversation": conversation, "seq": cursor})
    expect(tab.page.locator("#connection")).to_have_attribute("data-state", "live")

    # The next seq is kept, shown once, and acknowledged as delivered and read.
    server.send(_message(data, cursor + 1, "First"))
    expect(tab.page.locator("#thread li").last).to_contain_text("First")
    receipt = server.expect_frame(tab, type="receipt", conversation=conversation)
    assert receipt["delivered"] == receipt["read"] == cursor + 1

    # A repeat is ignored.
    server.send(_message(data, cursor + 1, "First"))
    tab.page.wait_for_timeout(300)
    assert tab.page.locator("#thread .bubble__body", has_text="First").count() == 1

    # A seq beyond cursor + 1: a live event was lost, so resume from the cursor.
    server.send(_message(data, cursor + 3, "Third"))
    server.expect_frame(tab, type="resume", cursors={str(conversation): cursor + 1})
    assert tab.page.locator("#thread .bubble__body", has_text="Third").count() == 0
    server.send(_message(data, cursor + 2, "Second"))
    server.send(_message(data, cursor + 3, "Third"))
    server.send({"type": "synced", "conversation": conversation, "seq": cursor + 3})
    expect(tab.page.locator("#thread .bubble__body").last).to_have_text("Third")

    # A heartbeat that shows more than the client holds: resume too.
    server.send({"type": "heartbeat", "at": "", "conversations": {str(conversation): cursor + 5}})
    server.expect_frame(tab, type="resume", cursors={str(conversation): cursor + 3})


def test_live_client_resends_the_outbox_in_order_after_resume(
    visit: Callable[..., Visit],
) -> None:
    tab, server, data = _thread(visit)
    conversation = data["conversation"]
    for body in ("one", "two"):
        tab.page.get_by_role("textbox", name="Message").fill(body)
        tab.page.get_by_role("button", name="Send").click()
    waiting = tab.page.locator("#thread .bubble__state", has_text="Waiting to send")
    expect(waiting).to_have_count(2)
    _welcome(server, data, data["cursor"])
    server.expect_frame(tab, type="resume")
    first = server.expect_frame(tab, type="send", body="one")
    second = server.expect_frame(tab, type="send", body="two")
    assert first["conversation"] == second["conversation"] == conversation
    server.send(
        {
            "type": "ack",
            "conversation": conversation,
            "client_id": first["client_id"],
            "seq": data["cursor"] + 1,
            "sent_at": "2026-11-27T15:04:05+00:00",
            "duplicate": False,
        }
    )
    bubble = tab.page.locator(f'#thread li[data-client-id="{first["client_id"]}"]')
    expect(bubble.locator(".bubble__state")).to_have_text("Sent")

    # After a reconnect only the unacknowledged one goes again, with its own client_id.
    server.socket.close(code=1001)  # type: ignore[union-attr]
    until(tab.page, "window.ropeteamLive.state !== 'live'")
    until(tab.page, "window.ropeteamLive.state === 'connecting'")
    tab.page.wait_for_timeout(200)
    _welcome(server, data, data["cursor"] + 1)
    server.expect_frame(tab, type="resume")
    again = server.expect_frame(tab, type="send")
    assert again["client_id"] == second["client_id"]
    assert not [f for f in server.received if f.get("type") == "send"]


def test_signed_out_socket_stops_and_says_so(visit: Callable[..., Visit]) -> None:
    tab, server, data = _thread(visit)
    _welcome(server, data, data["cursor"])
    server.expect_frame(tab, type="resume")
    connections = server.connections
    server.socket.close(code=4401)  # type: ignore[union-attr]
    expect(tab.page.locator("#connection")).to_have_text(
        "You are signed out. Sign in again to send and receive messages."
    )
    tab.page.wait_for_timeout(1500)
    assert server.connections == connections
    tab.check()


def test_two_silent_heartbeats_mean_a_dead_connection(visit: Callable[..., Visit]) -> None:
    tab, server, data = _thread(visit)
    server.send(
        {
            "type": "welcome",
            "protocol": 1,
            "user": data["me"],
            "heartbeat": 1,
            "conversations": {},
            "presence": [],
        }
    )
    server.expect_frame(tab, type="resume")
    connections = server.connections
    # The server says nothing more; after two intervals the client reconnects on its own.
    deadline = time.monotonic() + 5
    while server.connections == connections:
        assert time.monotonic() < deadline, "no reconnect after two silent heartbeats"
        tab.page.wait_for_timeout(50)


def test_access_changed_reconnects_once_then_a_refusal_means_signed_out(
    visit: Callable[..., Visit],
) -> None:
    tab, server, data = _thread(visit)
    _welcome(server, data, data["cursor"])
    server.expect_frame(tab, type="resume")
    connections = server.connections
    server.socket.close(code=4410)  # type: ignore[union-attr]
    deadline = time.monotonic() + 3
    while server.connections == connections:
        assert time.monotonic() < deadline, "no reconnect after 4410"
        tab.page.wait_for_timeout(50)
    server.socket.close(code=4401)  # type: ignore[union-attr]
    expect(tab.page.locator("#connection")).to_have_attribute("data-state", "signed-out")
