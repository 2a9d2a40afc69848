"""Field visits in a real Chromium (issue 5): sam goes out from his phone with jo holding the
rope; priya's board shows it live; the deadline passes with short escalation times; jo is
alerted live and takes it; sam's alarm, pressed without a signal, is sent when it returns.

The demo's task worker sweeps visit deadlines every second. Every wait is on something
visible on the page.
"""

import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, until
from tests.browser.test_conversations import Signal

pytestmark = pytest.mark.browser

LIVE = "!!window.ropeteamLive && window.ropeteamLive.state === 'live'"
DEFAULTS = {
    "prompt_seconds": 0,
    "rope_holder_seconds": 600,
    "duty_lead_seconds": 1200,
    "team_lead_seconds": 1800,
}
SHORT = {**DEFAULTS, "rope_holder_seconds": 2}
AHEAD = timedelta(seconds=20)  # sam is back by then: time for jo to accept first


def _put_chain(page: Page, chain: dict[str, int]) -> None:
    """Seconds go through the API (the page takes minutes), with priya's session and CSRF."""
    teams = page.request.get("/api/v1/teams").json()
    team = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value") or ""
    answer = page.request.put(
        f"/api/v1/teams/{team}/visits/chain", data=chain, headers={"X-CSRFToken": token}
    )
    assert answer.ok, answer.text()


@pytest.fixture
def short_chain(visit: Callable[..., Visit]) -> Iterator[Visit]:
    """Priya, at her desk, with the team's times short for the test and put back after."""
    priya = visit(DESKTOP)
    priya.sign_in("priya")
    priya.page.goto("/visits/chain/")
    expect(priya.page.locator("#chain-now")).to_contain_text("10 minutes after")
    priya.check()
    _put_chain(priya.page, SHORT)
    yield priya
    _put_chain(priya.page, DEFAULTS)


def _server_now() -> datetime:
    return datetime.now(ZoneInfo(os.environ.get("ROPETEAM_TIME_ZONE") or "Europe/London"))


def _sam_goes_out(sam: Visit) -> None:
    """From the home screen, in a few taps; the back-by time takes seconds for the test."""
    sam.page.get_by_role("link", name="Go out on a visit").click()
    expect(sam.page.get_by_role("heading", level=1)).to_have_text("Go out on a visit")
    sam.check()
    sam.page.get_by_label("Where:", exact=True).fill("Flat 3, Harbour Court")
    sam.page.get_by_label("Rope holder:", exact=True).select_option(label="Jo Byrne")
    sam.page.get_by_label("A note for your rope holder (optional)").fill("Dog in the yard")
    back = (_server_now() + AHEAD).strftime("%H:%M:%S")
    sam.page.evaluate("document.getElementById('id_back_by').step = 1")
    sam.page.get_by_label("Back by").fill(back)
    sam.page.get_by_role("button", name="Go out", exact=True).click()
    sam.page.wait_for_url("**/visits/*/")
    expect(sam.page.locator("#visit-status")).to_have_text(
        "Waiting for Jo Byrne to accept the rope."
    )
    sam.check()


def _press_alarm(page: Page) -> None:
    """ "Alarm", then the question it asks, answered."""
    page.locator(".alarm-dock__open").click()
    page.get_by_role("button", name="Alarm: I need help now").click()


def test_sam_goes_out_jo_holds_the_rope_and_the_alarm_gets_through(
    visit: Callable[..., Visit], short_chain: Visit, duty_lead: str
) -> None:
    priya = short_chain
    sam, jo = visit(PHONE), visit(DESKTOP)
    signal = Signal(sam)
    for tab, name in ((sam, "sam"), (jo, "jo")):
        tab.sign_in(name)
    for tab in (priya, jo):
        tab.page.goto("/visits/")
        until(tab.page, LIVE)
        tab.check()

    _sam_goes_out(sam)
    until(sam.page, LIVE)

    # Priya's board and jo's show it without a reload; never where.
    expect(priya.page.locator("#out-now")).to_contain_text("Sam Okafor")
    expect(priya.page.locator("#out-now")).not_to_contain_text("Harbour Court")
    priya.check()
    expect(jo.page.locator("#out-now")).to_contain_text("Waiting for Jo Byrne to accept")
    jo.page.get_by_role("link", name="Sam Okafor").click()
    expect(jo.page.locator("#visit-where")).to_have_text("Flat 3, Harbour Court")
    expect(jo.page.locator("#visit-note")).to_have_text("Dog in the yard")
    jo.check()
    jo.page.get_by_role("button", name="I hold your rope").click()
    expect(jo.page.locator("#visit-status")).to_have_text("Rope held by Jo Byrne.")
    until(jo.page, LIVE)
    expect(sam.page.locator("#visit-status")).to_have_text("Rope held by Jo Byrne.")
    sam.check()

    # The deadline passes: sam is asked, then jo is alerted, live; jo takes it.
    alerts = jo.page.locator("#visit-alerts")
    expect(alerts).to_contain_text("The rope holder was alerted", timeout=45000)
    jo.check()
    jo.page.get_by_role("button", name="I'm on it").first.click()
    expect(alerts).to_contain_text("Jo Byrne is on it")
    jo.check()
    until(jo.page, LIVE)
    expect(priya.page.locator("#out-now")).to_contain_text("Overdue by")
    expect(priya.page.locator("#out-now")).to_contain_text("on it: Jo Byrne")
    priya.check()

    # No signal: the alarm waits on the phone, visibly, and goes the moment it returns.
    status = sam.page.locator("#alarm-status")
    signal.lose()
    _press_alarm(sam.page)
    expect(status).to_have_text(
        "Alarm not sent yet: it will be sent the moment you have a connection."
    )
    sam.check()
    signal.restore()
    expect(status).to_contain_text("Alarm sent: ", timeout=15000)
    expect(status).to_contain_text("Jo Byrne")
    if duty_lead != "Jo Byrne":
        expect(status).to_contain_text(duty_lead)
    sam.check()
    expect(jo.page.locator("#visit-alerts .card--alarm")).to_be_visible()
    expect(priya.page.locator("#out-now .tag--alarm")).to_be_visible()
    priya.check()
    jo.check()

    sam.page.get_by_role("button", name="Safe, done").click()
    expect(sam.page.locator("#visit-status")).to_contain_text("Safe, done at")
    sam.check()


def test_the_times_pages_say_what_will_happen_on_a_narrow_phone(
    visit: Callable[..., Visit],
) -> None:
    """Priya reads the escalation and concern times at 320 px: what will happen, counted
    in words that agree with their number."""
    priya = visit({"width": 320, "height": 640})
    priya.sign_in("priya")
    _put_chain(priya.page, {**DEFAULTS, "rope_holder_seconds": 60})
    priya.page.goto("/visits/chain/")
    times = priya.page.locator("#chain-now")
    expect(times).to_contain_text("The rope holder will be alerted")
    expect(times).to_contain_text("This team: 1 minute after")
    expect(times).to_contain_text("default: 10 minutes after")
    expect(times).not_to_contain_text("was alerted")
    expect(priya.page.locator("#chain-alarm")).to_contain_text("will be alerted at once")
    priya.check()
    _put_chain(priya.page, DEFAULTS)
    priya.page.goto("/concerns/settings/")
    expect(priya.page.locator("main")).to_contain_text("the concern will be sent to them again")
    priya.check()
