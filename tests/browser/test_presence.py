"""Availability, live: Morgan changes hers on her phone, and Sam's rope and Priya's team board
follow without a reload (issue 12). An "until" belongs to the status it was set with, and one
that has passed reads as available everywhere.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, _server_zone, until

pytestmark = pytest.mark.browser

LIVE = "!!window.ropeteamLive && window.ropeteamLive.state === 'live'"
NARROW = {"width": 320, "height": 640}
# The acceptance wait: a change of availability shows everywhere within 2 s.
FOLLOWS_MS = 2000
MARK = "window.ropeteamNotReloaded = true"
NOT_RELOADED = "window.ropeteamNotReloaded === true"


def _save_availability(page: Page, status: str, until_time: str | None = None) -> None:
    """As Morgan would on My rope: pick a status, maybe a time, save. The time field is left
    as the page shows it unless she types a new one."""
    page.goto("/")
    page.get_by_label(status, exact=True).check()
    if until_time is not None:
        page.get_by_label("Until (optional)").fill(until_time)
    page.get_by_role("button", name="Save my availability").click()
    expect(page.locator(".messages")).to_contain_text("Your availability is saved.")


def _morgan(page: Page, user_id: str) -> Locator:
    return page.locator(f'[data-presence="{user_id}"]').first


def _signed_in(visit: Callable[..., Visit], username: str, viewport: dict[str, int]) -> Visit:
    tab = visit(viewport)
    tab.sign_in(username)
    return tab


def test_morgans_availability_follows_on_sams_rope_and_the_team_board_without_a_reload(
    visit: Callable[..., Visit],
) -> None:
    morgan = _signed_in(visit, "morgan", PHONE)
    _save_availability(morgan.page, "Available", "")
    sam, priya = _signed_in(visit, "sam", PHONE), _signed_in(visit, "priya", DESKTOP)
    priya.page.goto("/team/")
    morgan_id = (
        priya.page.locator("#team-board li", has_text="Morgan Ellis")
        .locator("[data-presence]")
        .get_attribute("data-presence")
        or ""
    )
    for tab in (sam, priya):
        until(tab.page, LIVE)
        tab.page.evaluate(MARK)
        expect(_morgan(tab.page, morgan_id)).to_have_text("Available")

    # Morgan is busy for a couple of hours.
    busy_until = (datetime.now(_server_zone()) + timedelta(hours=2)).strftime("%H:%M")
    _save_availability(morgan.page, "Busy", busy_until)
    expect(morgan.page.locator("#my-availability")).to_contain_text(f"Busy until {busy_until}")
    for tab in (sam, priya):
        expect(_morgan(tab.page, morgan_id)).to_have_text(
            f"Busy until {busy_until}", timeout=FOLLOWS_MS
        )
    # Sam's rope no longer says to try Morgan.
    expect(sam.page.locator("#my-rope")).not_to_contain_text("Try Morgan Ellis first")
    sam.check()
    priya.check()

    # Back to available: she picks it and saves; the time field still shows the busy one.
    morgan.page.goto("/")
    expect(morgan.page.get_by_label("Until (optional)")).to_have_value(busy_until)
    _save_availability(morgan.page, "Available")
    expect(morgan.page.locator("#my-availability")).to_have_text("Now: Available")
    for tab in (sam, priya):
        expect(_morgan(tab.page, morgan_id)).to_have_text("Available", timeout=FOLLOWS_MS)
        assert tab.page.evaluate(NOT_RELOADED), "the page was reloaded"
        tab.check()

    # Her own page for Priya, the lead, follows too.
    priya.page.goto(f"/team/members/{morgan_id}/")
    until(priya.page, LIVE)
    expect(priya.page.locator("#member-availability")).to_have_text("Available")
    _save_availability(morgan.page, "Busy", "")  # as the demo has her, for the other tests
    expect(priya.page.locator("#member-availability")).to_have_text("Busy", timeout=FOLLOWS_MS)
    priya.check()


def test_a_busy_until_that_has_passed_reads_as_available(visit: Callable[..., Visit]) -> None:
    morgan = _signed_in(visit, "morgan", PHONE)
    sam = _signed_in(visit, "sam", PHONE)
    until(sam.page, LIVE)
    sam.page.evaluate(MARK)
    morgan_id = (
        sam.page.locator("ol.rope li", has_text="Morgan Ellis")
        .locator("[data-presence]")
        .get_attribute("data-presence")
    )
    assert morgan_id

    # Busy for a few seconds, through the API as a phone app would.
    token = morgan.page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    ends = datetime.now(_server_zone()) + timedelta(seconds=4)
    answer = morgan.page.request.put(
        "/api/v1/me/availability",
        data={"status": "busy", "until": ends.isoformat()},
        headers={"X-CSRFToken": token or ""},
    )
    assert answer.ok, answer.text()
    expect(_morgan(sam.page, morgan_id)).to_contain_text("Busy until")

    # No frame marks the moment it passes: Sam's page turns it over by itself.
    expect(_morgan(sam.page, morgan_id)).to_have_text("Available")
    assert sam.page.evaluate(NOT_RELOADED), "the page was reloaded"
    # And every page the server renders says so too.
    sam.page.reload()
    expect(_morgan(sam.page, morgan_id)).to_have_text("Available")
    sam.page.goto("/team/")
    expect(_morgan(sam.page, morgan_id)).to_have_text("Available")
    morgan.page.reload()
    expect(morgan.page.locator("#my-availability")).to_have_text("Now: Available")
    expect(morgan.page.get_by_label("Until (optional)")).to_have_value("")
    _save_availability(morgan.page, "Busy", "")  # as the demo has her


def test_the_rope_and_the_team_board_fit_320_pixels(visit: Callable[..., Visit]) -> None:
    for username, paths in (("sam", ["/", "/team/"]), ("priya", ["/team/"])):
        tab = _signed_in(visit, username, NARROW)
        for path in paths:
            tab.page.goto(path)
            tab.check()
        if username == "priya":
            tab.page.get_by_role("link", name="Manage Morgan Ellis").click()
            expect(tab.page.locator("#member-availability")).to_be_visible()
            tab.check()
