"""Widening the quorum from the receiver's side (issue 11): sam, at step 4 on his phone,
chooses "Widen the quorum now" and brings jo in; jo's home screen (her own phone, untouched)
shows the invitation without reloading, and she joins the session, which carries on at
step 1 with the three of them."""

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, until
from tests.browser.test_thinking import (
    LIVE,
    _follows,
    _move_on,
    _sam_asks_anyone_available,
    _sees_it_arrive_and_opens_it,
    _set_availability,
)

pytestmark = pytest.mark.browser


def test_sam_widens_the_quorum_and_jo_sees_the_invitation_live_and_joins(
    visit: Callable[..., Visit],
) -> None:
    sam, morgan, jo = visit(PHONE), visit(DESKTOP), visit(PHONE)
    morgan.sign_in("morgan")
    _set_availability(morgan.page, "Available")
    until(morgan.page, LIVE)

    session = _sam_asks_anyone_available(sam)
    _sees_it_arrive_and_opens_it(morgan, session)
    morgan.page.get_by_role("button", name="Accept: I'll think with you").click()
    _follows(morgan.page, "Mark the task")
    # Jo opens her home screen only now, once Morgan has it: she was asked, not brought in.
    jo.sign_in("jo")
    until(jo.page, LIVE)
    expect(jo.page.locator("#invited-to")).to_have_count(0)
    jo.check()
    for step in ("State the case", "Mentalize the moment", "Return to purpose"):
        _move_on(morgan, step)
    expect(sam.page.get_by_role("heading", name="Record the outcome")).to_be_visible()

    sam.page.get_by_label("No", exact=True).check()
    sam.page.get_by_label("Widen the quorum now").check()
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.get_by_text("Choose at least one colleague to bring in.")).to_be_visible()
    sam.check()
    sam.page.get_by_label("No", exact=True).check()
    sam.page.get_by_label("Widen the quorum now").check()
    sam.page.get_by_role("group", name="Whom to bring in").get_by_label("Jo Byrne").check()
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.locator(".messages")).to_contain_text("Jo Byrne is invited")
    _follows(sam.page, "Mark the task")
    sam.check()

    # Jo has not touched her page: the invitation arrives on it, with the way in.
    invitation = jo.page.locator("#invited-to li")
    expect(invitation).to_contain_text("Sam Okafor invites you to a Thinking Together")
    expect(invitation).to_contain_text("Whether to go back to Elm Court")
    jo.check()
    invitation.get_by_role("link", name="Join the Thinking Together").click()
    _follows(jo.page, "Mark the task")
    expect(jo.page.locator("#tt-people")).to_contain_text("Jo Byrne")
    jo.check()
    # Morgan's page of the round before leads on to the one that carries on.
    expect(morgan.page.locator("#tt-follow-up")).to_be_visible()
    morgan.check()

    # Put back what the test changed: the follow-up is closed, Morgan is busy again.
    until(sam.page, LIVE)
    for step in ("State the case", "Mentalize the moment", "Return to purpose"):
        _move_on(sam, step)
        _follows(jo.page, step)
    sam.page.get_by_label("Yes", exact=True).check()
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.locator("#tt-met")).to_have_text("Yes")
    _set_availability(morgan.page, "Busy")
