"""Emergency procedures from the receiver's side (issue 11): sam chooses them at step 4 on
his phone, and priya, the team lead, sees it on her screen without reloading, says "I'm on
it", and it leaves her screen; sam's page says who has it."""

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, until
from tests.browser.test_thinking import (
    LIVE,
    _move_on,
    _sam_asks_anyone_available,
    _sees_it_arrive_and_opens_it,
    _set_availability,
)

pytestmark = [pytest.mark.browser, pytest.mark.hazard("H3")]


def test_sam_chooses_emergency_and_priya_sees_it_live_and_takes_it(
    visit: Callable[..., Visit],
) -> None:
    sam, morgan, priya = visit(PHONE), visit(DESKTOP), visit(DESKTOP)
    morgan.sign_in("morgan")
    _set_availability(morgan.page, "Available")
    until(morgan.page, LIVE)
    priya.sign_in("priya")
    until(priya.page, LIVE)

    session = _sam_asks_anyone_available(sam)
    _sees_it_arrive_and_opens_it(morgan, session)
    morgan.page.get_by_role("button", name="Accept: I'll think with you").click()
    for step in ("State the case", "Mentalize the moment", "Return to purpose"):
        _move_on(morgan, step)
    expect(sam.page.get_by_role("heading", name="Record the outcome")).to_be_visible()

    sam.page.get_by_label("No", exact=True).check()
    sam.page.get_by_label("Emergency procedures").check()
    sam.page.get_by_label("Action 1: what").fill("Wait at the car for the duty lead")
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.locator("#tt-emergency")).to_contain_text("until one of them says")
    sam.check()

    # Priya has not touched her page: the emergency appears on it.
    alert = priya.page.locator("#emergencies [role=alert]")
    expect(alert).to_contain_text("Emergency: Sam Okafor needs help now")
    priya.check()
    alert.get_by_role("button", name="I'm on it").click()
    expect(priya.page.locator(".messages")).to_contain_text("You are on it: Sam Okafor is told.")
    expect(priya.page.locator("#emergencies [role=alert]")).to_have_count(0)
    priya.check()
    # Sam's screen follows: the acknowledgement is recorded and he is told who has it.
    expect(sam.page.locator("#tt-emergency")).to_contain_text("Priya Shah is on it")
    sam.check()
    _set_availability(morgan.page, "Busy")
