"""An urgent message left unread, from the receiver's side (issue 11): sam sends morgan an
urgent message on his phone; morgan does not read it; jo, who holds morgan's rope in the demo,
sees "Unread urgent message from Sam" on her phone without reloading, and says she will check
on him; priya, told too, sees it go from her screen."""

import json
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, until
from tests.browser.test_conversations import _open_with
from tests.browser.test_thinking import LIVE

pytestmark = [pytest.mark.browser, pytest.mark.hazard("H5")]

WORDS = "Don't go into Flat 9 alone tonight"
WAIT_SECONDS = 3


def _api(page: Page, method: str, path: str, body: object = None) -> object:
    """The API as the signed-in person, with the session cookie and its CSRF token."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.fetch(
        f"/api/v1{path}",
        method=method,
        data=json.dumps(body) if body is not None else None,
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert response.ok, response.text()
    return response.json()


@pytest.fixture
def priya(visit: Callable[..., Visit]) -> Iterator[Visit]:
    """priya, Northside's lead, with the team's urgent wait set to a few seconds."""
    tab = visit(DESKTOP)
    tab.sign_in("priya")
    teams = _api(tab.page, "GET", "/teams")
    assert isinstance(teams, list)
    team_id = next(t["id"] for t in teams if t["name"] == "Northside Outreach")
    path = f"/teams/{team_id}/urgent-messages/wait"
    before = _api(tab.page, "GET", path)
    _api(tab.page, "PUT", path, {"wait_seconds": WAIT_SECONDS})
    yield tab
    _api(tab.page, "PUT", path, before)


def test_an_urgent_message_morgan_does_not_read_reaches_jo_who_checks_on_him(
    visit: Callable[..., Visit], priya: Visit
) -> None:
    jo, sam = visit(PHONE), visit(PHONE)
    jo.sign_in("jo")
    until(jo.page, LIVE)
    until(priya.page, LIVE)
    sam.sign_in("sam")
    _open_with(sam.page, "Morgan Ellis")
    until(sam.page, LIVE)

    sam.page.get_by_role("textbox", name="Message").fill(WORDS)
    sam.page.get_by_role("checkbox", name="Urgent").check()
    sam.page.get_by_role("button", name="Send").click()
    mine = sam.page.locator("#thread li", has=sam.page.locator(".bubble__body", has_text=WORDS))
    expect(mine.locator(".bubble__urgent")).to_have_text("Urgent")
    expect(mine.locator(".bubble__state")).to_have_text("Sent")
    # Each message is urgent only when chosen: the box is clear again for the next one.
    expect(sam.page.get_by_role("checkbox", name="Urgent")).not_to_be_checked()
    sam.check()

    # Morgan reads nothing. Jo has not touched her page: after the wait twice over it says so,
    # with names and a time, not the words and no way into the conversation.
    alert = jo.page.locator("#emergencies [data-urgent]")
    expect(alert).to_contain_text(
        "Unread urgent message from Sam Okafor to Morgan Ellis", timeout=30_000
    )
    expect(alert).not_to_contain_text(WORDS)
    expect(alert.locator("a[href*='/conversations/']")).to_have_count(0)
    jo.check()
    expect(priya.page.locator("#emergencies [data-urgent]")).to_contain_text(
        "Unread urgent message from Sam Okafor to Morgan Ellis"
    )
    priya.check()

    alert.get_by_role("button", name="I'll check on Morgan Ellis").click()
    expect(jo.page.locator(".messages")).to_contain_text("You are checking on Morgan Ellis")
    expect(jo.page.locator("#emergencies [data-urgent]")).to_have_count(0)
    jo.check()
    # Priya did nothing: it leaves her screen live.
    expect(priya.page.locator("#emergencies [data-urgent]")).to_have_count(0)
