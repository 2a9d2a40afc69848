"""The field screen on a phone (issue 12): the bottom bar, the alarm always in reach while a
visit is open, the alarm pressed without a signal arriving at the rope holder's screen, and
the visit page saying the connection is down and counting down by itself.

Every visit sam opens here is ended (and its alarm taken) before the test leaves, so the
later tests on the same demo server find Sam with no open visit.
"""

import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.browser.conftest import PHONE, Visit, until
from tests.browser.test_conversations import Signal

pytestmark = pytest.mark.browser

SMALL = {"width": 360, "height": 640}
MEDIUM = {"width": 390, "height": 844}
NARROWEST = {"width": 320, "height": 640}
LIVE = "!!window.ropeteamLive && window.ropeteamLive.state === 'live'"
NOT_CONNECTED = "Not connected — your alarm and messages will be sent when you are back."
WAITING = "Alarm not sent yet: it will be sent the moment you have a connection."
# The field worker's pages: My rope, Messages, Thinking Together (history and asking; and
# a session, asked for by the test).
FIELD_PAGES = ("/", "/conversations/", "/thinking/", "/thinking/new/")


def _server_now() -> datetime:
    return datetime.now(ZoneInfo(os.environ.get("ROPETEAM_TIME_ZONE") or "Europe/London"))


def _go_out(sam: Visit, ahead: timedelta) -> str:
    """Sam goes out with Jo holding the rope, back by `ahead` from now; the visit's path."""
    page = sam.page
    page.goto("/visits/new/")
    page.get_by_label("Where:", exact=True).fill("Flat 3, Harbour Court")
    page.get_by_label("Rope holder:", exact=True).select_option(label="Jo Byrne")
    page.evaluate("document.getElementById('id_back_by').step = 1")
    page.get_by_label("Back by").fill((_server_now() + ahead).strftime("%H:%M:%S"))
    page.get_by_role("button", name="Go out", exact=True).click()
    page.wait_for_url("**/visits/*/")
    return re.sub(r"^https?://[^/]+", "", page.url)


def _come_back(sam: Visit, path: str) -> None:
    sam.page.goto(path)
    sam.page.get_by_role("button", name="Safe, done").click()
    expect(sam.page.locator("#visit-status")).to_contain_text("Safe, done at")


@pytest.fixture
def out(visit: Callable[..., Visit]) -> Iterator[Callable[..., tuple[Visit, str]]]:
    """`out(viewport, ahead)`: Sam signed in on a phone and out on a visit, ended after."""
    opened: list[tuple[Visit, str]] = []

    def go(viewport: dict[str, int] = PHONE, ahead: timedelta = timedelta(minutes=30)):
        sam = visit(viewport)
        sam.sign_in("sam")
        opened.append((sam, _go_out(sam, ahead)))
        return opened[-1]

    yield go
    for sam, path in opened:
        sam.page.context.unroute_all()
        sam.page.context.set_offline(False)
        if sam.page.locator("#visit-actions").count() == 0:
            sam.page.goto(path)
        if sam.page.locator("#visit-actions").count():
            _come_back(sam, path)


def _ask_anyone(page: Page) -> str:
    """Sam asks anyone available to think together (withdrawn by the test); the session's
    path."""
    page.goto("/thinking/new/")
    page.get_by_label("A decision").check()
    page.get_by_label("Anyone available in my team").check()
    page.get_by_role("button", name="Ask now").click()
    page.wait_for_url(re.compile(r"/thinking/\d+/$"))
    return re.sub(r"^https?://[^/]+", "", page.url)


def _in_viewport(page: Page, selector: str) -> None:
    """The element's whole box is on the first screen, without scrolling."""
    assert page.evaluate("window.scrollY") == 0
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"], (box, size)
    assert box["y"] + box["height"] <= size["height"], (box, size)


@pytest.mark.hazard("H4")
@pytest.mark.parametrize("viewport", [SMALL, MEDIUM], ids=["360x640", "390x844"])
def test_with_a_visit_open_the_alarm_is_on_the_first_screen_of_every_field_page(
    out: Callable[..., tuple[Visit, str]], viewport: dict[str, int]
) -> None:
    sam, path = out(viewport)
    page = sam.page
    session = _ask_anyone(page)
    for shown in (*FIELD_PAGES, session, path):
        page.goto(shown)
        expect(page.locator(".alarm-dock__open")).to_have_text("Alarm")
        _in_viewport(page, ".alarm-dock__open")
        # The header and the bottom bar leave the phone's screen to the page.
        chrome = sum(
            page.locator(part).bounding_box()["height"]  # type: ignore[index]
            for part in ("header.site-header", "nav.nav")
        )
        assert chrome <= 0.1 * viewport["height"], chrome
        # The bar says a visit is open, in words too.
        expect(
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Your visit (you are out now)"
            )
        ).to_have_attribute("href", path)
        sam.check()
    # On the visit page: time left, I'm OK, the alarm, more time, done; the hand-over after.
    page.goto(path)
    order = page.evaluate(
        """() => [...document.querySelectorAll(
            '#visit-left, #visit-actions button, #visit-actions summary, #hand-over button'
        )].map(e => e.textContent.trim())"""
    )
    assert order[0].endswith("min left"), order
    assert order[1:] == [
        "I'm OK",
        "Alarm",
        "Alarm: I need help now",
        "+15 min",
        "+30 min",
        "Safe, done",
        "Hand over the rope",
    ]
    # By keyboard: "Alarm" asks first; Escape takes the question back without sending.
    page.goto("/")
    page.locator(".alarm-dock__open").focus()
    page.keyboard.press("Enter")
    send = page.get_by_role("button", name="Alarm: I need help now")
    expect(send).to_be_visible()
    _in_viewport(page, ".alarm-dock__panel")
    page.keyboard.press("Tab")
    expect(send).to_be_focused()
    page.keyboard.press("Escape")
    expect(send).to_be_hidden()
    expect(page.locator(".alarm-dock__open")).to_be_focused()

    page.set_viewport_size(NARROWEST)
    for shown in (*FIELD_PAGES, session, path):
        page.goto(shown)
        sam.check()  # nothing wider than 320 px, axe clean
    page.goto(session)
    page.get_by_role("button", name="Withdraw my request").click()
    expect(page.get_by_role("button", name="Withdraw my request")).to_have_count(0)


@pytest.mark.hazard("H4")
def test_the_alarm_pressed_offline_from_another_page_reaches_the_rope_holder(
    visit: Callable[..., Visit], out: Callable[..., tuple[Visit, str]]
) -> None:
    sam, path = out(SMALL)
    jo = visit(PHONE)
    jo.sign_in("jo")
    jo.page.goto(path)
    until(jo.page, LIVE)
    expect(jo.page.locator("#visit-alerts")).to_contain_text("No alerts.")

    signal = Signal(sam)
    sam.page.goto("/conversations/")
    until(sam.page, LIVE)
    signal.lose()
    sam.page.locator(".alarm-dock__open").click()
    sam.page.get_by_role("button", name="Alarm: I need help now").click()
    status = sam.page.locator("#alarm-dock-status")
    expect(status).to_have_text(WAITING)
    expect(sam.page.locator("#connection-banner")).to_have_text(NOT_CONNECTED)
    sam.check()
    expect(jo.page.locator("#visit-alerts")).to_contain_text("No alerts.")

    signal.restore()
    expect(status).to_contain_text("Alarm sent: ", timeout=15_000)
    expect(status).to_contain_text("Jo Byrne")
    expect(sam.page.locator("#connection-banner")).to_be_hidden()
    sam.check()
    # Jo sees the alarm without reloading, and takes it.
    expect(jo.page.locator("#visit-alerts .card--alarm")).to_be_visible()
    jo.check()
    jo.page.locator("#visit-alerts .card--alarm").get_by_role("button", name="I'm on it").click()
    expect(jo.page.locator("#visit-alerts .card--alarm")).to_contain_text("Jo Byrne is on it")


@pytest.fixture
def no_worker(browser: Browser, server: str) -> Iterator[Callable[[], Visit]]:
    """A phone whose pages no service worker answers, so a cut-off server is really gone."""
    contexts = []

    def open_tab() -> Visit:
        context = browser.new_context(
            base_url=server, viewport=SMALL, locale="en-GB", service_workers="block"
        )
        contexts.append(context)
        return Visit(context.new_page())

    yield open_tab
    for context in contexts:
        context.close()


def _while(server_up: list[bool]) -> Callable[[WebSocketRoute], None]:
    """A socket route that refuses new sockets until `server_up` holds something."""

    def route(socket: WebSocketRoute) -> None:
        if server_up:
            socket.connect_to_server()
        else:
            socket.close()

    return route


@pytest.mark.hazard("H8")
def test_without_the_server_the_visit_page_says_so_and_turns_overdue_on_time(
    no_worker: Callable[[], Visit],
) -> None:
    sam = no_worker()
    sam.sign_in("sam")
    path = _go_out(sam, timedelta(seconds=25))
    page = sam.page
    server_up: list[bool] = []
    try:
        until(page, LIVE)
        left = page.locator("#visit-left")
        expect(left).to_have_text(re.compile(r"^\d+ min left$"))
        expect(page.locator("#connection-banner")).to_be_hidden()

        # The live socket is closed by the server going away; new ones are refused.
        page.context.route("**/*", lambda route: route.abort("connectionrefused"))
        page.context.route_web_socket("**/ws/v1", _while(server_up))
        page.evaluate("window.ropeteamLive.socket && window.ropeteamLive.socket.close()")
        expect(page.locator("#connection-banner")).to_have_text(NOT_CONNECTED, timeout=10_000)
        expect(page.locator("#connection-banner")).to_be_in_viewport()

        end = page.locator("#visit-left").get_attribute("data-end") or ""
        due = datetime.fromisoformat(end) - datetime.now(ZoneInfo("UTC"))
        expect(left).to_have_text("Overdue by 1 min", timeout=due.total_seconds() * 1000 + 5000)
        expect(left).to_have_class(re.compile("visit-time--overdue"))
        sam.check()
    finally:
        page.context.unroute_all()
        server_up.append(True)
    expect(page.locator("#connection-banner")).to_be_hidden(timeout=45_000)
    _come_back(sam, path)


def test_the_bottom_bar_and_its_more_menu_work_by_keyboard(
    visit: Callable[..., Visit],
) -> None:
    tab = visit(SMALL)
    tab.sign_in("sam")
    page = tab.page
    main = page.get_by_role("navigation", name="Main")
    for name in ("My rope", "Thinking Together", "Go out", "Messages"):
        _in_viewport(page, f"nav.nav >> text={name}")
    more = page.locator(".nav__more > summary")
    expect(main.get_by_role("link", name="Team", exact=True)).to_be_hidden()

    page.keyboard.press("Tab")  # the skip link
    for _press in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    expect(more).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".nav__more")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(main.get_by_role("link", name="Concerns")).to_be_focused()
    expect(main.get_by_role("link", name="Concerns")).to_be_in_viewport()
    tab.check()
    page.keyboard.press("Escape")
    expect(main.get_by_role("link", name="Team", exact=True)).to_be_hidden()
    expect(more).to_be_focused()

    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(main.get_by_role("link", name="Team", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("who is around")
    tab.check()
    more.focus()
    page.keyboard.press("Enter")
    expect(main.get_by_role("link", name="Team", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
