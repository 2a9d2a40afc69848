"""Graded assertiveness in a real Chromium (issue 6): alex (newly qualified), on a phone,
raises a Probe with morgan (senior); morgan does not answer; the demo's task worker re-sends
it, then escalates it to priya at the team's configured time; morgan then accepts a
Thinking Together, and alex records it resolved.

Every wait is on something visible on the page; nothing sleeps and hopes.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, more, until

pytestmark = pytest.mark.browser

LIVE = "!!window.ropeteamLive && window.ropeteamLive.state === 'live'"
# Long enough for priya to be refused before it reaches her, short enough for a test.
PROBE_SECONDS = 8
# The worker re-sends after one time to answer and escalates after another; both cross the
# worker's poll, the event outbox and a page re-fetch on a busy machine.
DEADLINE_MS = 45_000


def _team_url(page: Page) -> str:
    teams = page.request.get("/api/v1/teams").json()
    team = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
    return f"/api/v1/teams/{team}/concerns/times"


def _put_times(page: Page, times: dict[str, Any]) -> None:
    """Seconds go through the API (the page takes minutes at least), with priya's session."""
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value") or ""
    answer = page.request.put(_team_url(page), data=times, headers={"X-CSRFToken": token})
    assert answer.ok, answer.text()


@pytest.fixture
def short_times(visit: Callable[..., Visit]) -> Iterator[Visit]:
    """Priya, at her desk, with a Probe's time to answer short for the test, put back after."""
    priya = visit(DESKTOP)
    priya.sign_in("priya")
    priya.page.get_by_role("navigation", name="Main").get_by_role("link", name="Concerns").click()
    priya.page.get_by_role("link", name="Times to answer").click()
    expect(priya.page.get_by_role("heading", level=1)).to_have_text("Times to answer a concern")
    priya.check()
    before = priya.page.request.get(_team_url(priya.page)).json()
    _put_times(priya.page, {**before, "probe_seconds": PROBE_SECONDS})
    priya.page.reload()
    expect(priya.page.locator("#times-now")).to_contain_text(f"This team: {PROBE_SECONDS} seconds")
    priya.check()
    yield priya
    priya.page.goto("/concerns/settings/")
    _put_times(priya.page, before)


def _alex_raises_a_probe_with_morgan(alex: Visit) -> str:
    """From the header, on a phone: curiosity first, and a form that says what is missing."""
    page = alex.page
    more(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Concerns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Concerns")
    alex.check()
    page.get_by_role("link", name="Raise something with a colleague").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise something with a colleague")
    expect(page.get_by_role("radio", name=re.compile(r"^Probe"))).to_be_checked()
    expect(
        page.get_by_role("link", name=re.compile("ask for a Thinking Together"))
    ).to_have_attribute("href", "/thinking/new/")
    expect(page.locator("#who-sees")).to_contain_text("Only you and the colleague you choose.")
    expect(page.locator("#times-to-answer")).to_contain_text(f"{PROBE_SECONDS} seconds to answer")
    alex.check()

    page.get_by_label("The colleague").select_option(label="Morgan Ellis")
    page.get_by_label("What I noticed").fill("You went to Elm Court alone twice this week")
    page.get_by_label("Why it matters to me").fill("I worry about you on your own there")
    page.get_by_role("button", name="Raise it with my colleague").click()
    expect(page.locator(".errorlist")).to_have_text("Say what you are asking of your colleague.")
    alex.check()
    page.get_by_label("What I am asking of you").fill("Can you help me understand how you decide?")
    page.get_by_role("button", name="Raise it with my colleague").click()
    page.wait_for_url(re.compile(r"/concerns/\d+/$"))
    expect(page.locator("#concern-state")).to_contain_text("Waiting for Morgan Ellis's response.")
    expect(page.locator("#concern-who-sees")).to_have_text("Only you and Morgan Ellis")
    until(page, LIVE)
    alex.check()
    return "/" + page.url.split("/", 3)[3]


def _priya_cannot_see_it(priya: Visit, concern: str) -> None:
    """Between the two of them: priya gets the page of a concern that does not exist."""
    priya.page.goto(concern)
    expect(priya.page.get_by_role("heading", level=1)).to_have_text("Not found")
    priya.check()
    priya.page.goto("/concerns/")
    expect(priya.page.locator("#concerns-list")).not_to_contain_text("Alex Novak")
    until(priya.page, LIVE)
    priya.check()


def _it_reaches_priya(priya: Visit) -> None:
    """Her list shows it live; now she may open it, and she is in its chat."""
    listed = priya.page.locator("#concerns-list")
    expect(listed).to_contain_text(
        "Escalated to you: Alex Novak raised something with Morgan Ellis"
    )
    priya.check()
    listed.get_by_role("link").first.click()
    expect(priya.page.get_by_role("heading", level=1)).to_have_text(
        "Alex Novak raised something with Morgan Ellis"
    )
    expect(priya.page.locator("#concern-exchange")).to_contain_text("Elm Court alone")
    expect(priya.page.locator("#thread")).to_be_visible()
    priya.check()
    concern = priya.page.url
    priya.page.goto("/concerns/activity/")
    expect(priya.page.get_by_role("heading", level=1)).to_have_text("Concerns in figures")
    priya.check()
    priya.page.goto(concern)
    until(priya.page, LIVE)


def _morgan_thinks_it_through_with_alex(morgan: Visit) -> None:
    """Morgan answers at last: a Thinking Together, which opens at its first step."""
    morgan.page.get_by_role("link", name=re.compile("^Read and respond")).click()
    expect(morgan.page.locator("#concern-state")).to_have_text(
        "Please respond: it is waiting for you."
    )
    morgan.check()
    morgan.page.get_by_label("Let's think it through together").check()
    morgan.page.get_by_role("button", name="Send my response").click()
    expect(morgan.page.locator("#concern-exchange")).to_contain_text(
        "You accepted a Thinking Together"
    )
    morgan.check()
    morgan.page.locator("#concern-thinking").click()
    morgan.page.wait_for_url(re.compile(r"/thinking/\d+/$"))
    expect(morgan.page.locator('#tt-steps [aria-current="step"]')).to_have_text("Mark the task")
    morgan.check()


def _alex_records_it_resolved(alex: Visit) -> None:
    """Alex's page shows the answer live, and the way into the Thinking Together."""
    exchange = alex.page.locator("#concern-exchange")
    expect(exchange).to_contain_text("Morgan Ellis accepted a Thinking Together")
    expect(alex.page.locator("#concern-thinking")).to_be_visible()
    alex.check()
    alex.page.get_by_label("Resolved", exact=True).check()
    alex.page.get_by_label("A few words (optional)").fill("We talked it through together")
    alex.page.get_by_role("button", name="Record how it ended").click()
    expect(alex.page.locator("#concern-state")).to_have_text("How it ended: Resolved.")
    expect(exchange).to_contain_text("We talked it through together")
    alex.check()


def test_alex_raises_a_probe_that_is_resent_escalated_then_thought_through(
    visit: Callable[..., Visit], short_times: Visit
) -> None:
    priya = short_times
    alex, morgan = visit(PHONE), visit(DESKTOP)
    morgan.sign_in("morgan")
    until(morgan.page, LIVE)
    alex.sign_in("alex")

    concern = _alex_raises_a_probe_with_morgan(alex)
    _priya_cannot_see_it(priya, concern)

    # Morgan's home screen shows it without a reload; morgan does not answer.
    waiting = morgan.page.locator("#concerns-waiting")
    expect(waiting).to_contain_text("Alex Novak raised something with you")
    expect(waiting).not_to_contain_text("Elm Court")  # never the words on the home screen
    morgan.check()

    # The worker re-sends it, then takes it to priya; alex's page follows both.
    exchange = alex.page.locator("#concern-exchange")
    expect(exchange).to_contain_text("Re-sent: not answered in time", timeout=DEADLINE_MS)
    alex.check()
    expect(exchange).to_contain_text("Escalated to Priya Shah", timeout=DEADLINE_MS)
    expect(alex.page.locator("#concern-who-sees")).to_contain_text("Priya Shah")
    alex.check()
    _it_reaches_priya(priya)

    _morgan_thinks_it_through_with_alex(morgan)
    _alex_records_it_resolved(alex)
    expect(priya.page.locator("#concern-state")).to_have_text("How it ended: Resolved.")
    priya.check()
