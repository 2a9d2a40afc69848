"""Thinking Together in a real Chromium: sam on a phone asks, jo and morgan at desks see it
live, morgan accepts, and the two go through the four steps in chat mode (issue 4).

Every wait is on something visible on the page; nothing sleeps and hopes.
"""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, until

pytestmark = pytest.mark.browser

LIVE = "!!window.ropeteamLive && window.ropeteamLive.state === 'live'"


def _set_availability(page: Page, status: str) -> None:
    """As the person would: on their own My rope page."""
    page.goto("/")
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Until (optional)").fill("")
    page.get_by_role("button", name="Save my availability").click()
    expect(page.locator(".messages")).to_contain_text("Your availability is saved.")


def _follows(page: Page, step: str) -> None:
    """The other person's screen moved to this step without a reload."""
    expect(page.locator('#tt-steps [aria-current="step"]')).to_have_text(step)


def _move_on(tab: Visit, step: str) -> None:
    tab.page.get_by_role("button", name=f"Next step: {step}").click()
    _follows(tab.page, step)


def _say(tab: Visit, other: Visit, body: str) -> None:
    tab.page.get_by_role("textbox", name="Message").fill(body)
    tab.page.get_by_role("button", name="Send").click()
    expect(other.page.locator("#thread .bubble__body").last).to_have_text(body)


def _sam_asks_anyone_available(sam: Visit) -> str:
    """Sam taps Think together on his phone and asks anyone available, in chat."""
    sam.sign_in("sam")
    sam.page.get_by_role("link", name="Think together", exact=True).click()
    expect(sam.page.get_by_role("heading", level=1)).to_have_text("Think together")
    sam.check()
    sam.page.get_by_label("A decision").check()
    sam.page.get_by_label("In one sentence (optional)").fill("Whether to go back to Elm Court")
    sam.page.get_by_label("Anyone available in my team").check()
    expect(sam.page.get_by_label("In-app chat")).to_be_checked()
    sam.page.get_by_label("How steady do I feel? (optional)").select_option("4")
    sam.page.get_by_role("button", name="Ask now").click()
    sam.page.wait_for_url(re.compile(r"/thinking/\d+/$"))
    expect(sam.page.locator("#tt-status")).to_have_text("Waiting for someone to accept.")
    sam.check()
    return "/" + sam.page.url.split("/", 3)[3]


def _sees_it_arrive_and_opens_it(tab: Visit, session: str) -> None:
    """On the home screen, without reloading."""
    request = tab.page.locator(f'#asked-of-me a[href="{session}"]')
    expect(request).to_be_visible()
    expect(tab.page.locator("#asked-of-me")).to_contain_text("Whether to go back to Elm Court")
    tab.check()
    request.click()
    expect(tab.page.locator("#tt-status")).to_have_text("Sam Okafor asks you to think together.")
    until(tab.page, LIVE)
    tab.check()


def _through_the_steps(sam: Visit, morgan: Visit) -> None:
    """Both move on; each screen follows the other's, and they talk in the chat."""
    _move_on(morgan, "State the case")
    _follows(sam.page, "State the case")
    _say(sam, morgan, "He said he would be in but the door stayed shut")
    _move_on(sam, "Mentalize the moment")
    _follows(morgan.page, "Mentalize the moment")
    expect(morgan.page.locator("#tt-prompts li").first).to_have_text(
        "What is this like for you, here and now?"
    )
    morgan.check()
    _say(morgan, sam, "What is this like for you, standing outside that door?")
    sam.check()
    _move_on(morgan, "Return to purpose")
    _follows(sam.page, "Return to purpose")
    expect(morgan.page.locator("#tt-recording")).to_have_text(
        "Sam Okafor is recording the outcome."
    )
    morgan.check()


def _sam_records_the_outcome(sam: Visit) -> None:
    """Step 4: met, close, steadier, and an action for himself."""
    expect(sam.page.get_by_role("heading", name="Record the outcome")).to_be_visible()
    sam.check()
    sam.page.get_by_label("Yes", exact=True).check()
    expect(sam.page.get_by_label("Close: nothing more needed")).to_be_checked()
    sam.page.get_by_label("How steady do I feel now? (optional)").select_option("7")
    sam.page.get_by_label("Action 1: what").fill("Phone the school about Tuesday")
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.locator("#tt-met")).to_have_text("Yes")
    expect(sam.page.locator("#tt-summary")).to_contain_text("4 before, 7 after")
    expect(sam.page.locator("#tt-actions")).to_contain_text("Phone the school about Tuesday")
    sam.check()


def test_sam_asks_anyone_available_and_thinks_it_through_with_morgan(
    visit: Callable[..., Visit],
) -> None:
    sam, jo, morgan = visit(PHONE), visit(DESKTOP), visit(DESKTOP)
    # Morgan is busy in the demo; she says she is available, as she would.
    morgan.sign_in("morgan")
    _set_availability(morgan.page, "Available")
    morgan.check()
    jo.sign_in("jo")
    for tab in (jo, morgan):
        until(tab.page, LIVE)

    session = _sam_asks_anyone_available(sam)
    for tab in (jo, morgan):
        _sees_it_arrive_and_opens_it(tab, session)

    # Morgan accepts; Jo's screen says it was taken, Sam's starts the four steps.
    morgan.page.get_by_role("button", name="Accept: I'll think with you").click()
    _follows(morgan.page, "Mark the task")
    expect(morgan.page.locator("#tt-prompts li").first).to_have_text(
        "Check the task is clear: what would make this time useful?"
    )
    morgan.check()
    expect(jo.page.locator("#tt-status")).to_have_text(
        "Taken: Morgan Ellis is thinking with Sam Okafor."
    )
    jo.check()
    _follows(sam.page, "Mark the task")
    for tab in (sam, morgan):
        expect(tab.page.locator("#connection")).to_have_attribute("data-state", "live")
    sam.check()

    _through_the_steps(sam, morgan)
    _sam_records_the_outcome(sam)
    expect(morgan.page.locator("#tt-met")).to_have_text("Yes")
    morgan.check()

    # Both histories show it.
    for tab, words in ((sam, "I asked; with Morgan Ellis"), (morgan, "With Sam Okafor, who asked")):
        tab.page.get_by_role("link", name="Thinking Together", exact=True).click()
        entry = tab.page.locator("#thinking-history li").first
        expect(entry).to_contain_text(words)
        expect(entry).to_contain_text("Task met: Yes")
        tab.check()

    # Put back what the test changed: Sam's action is done, Morgan is busy again.
    sam.page.goto("/")
    done = re.compile(r"^Done\W+Phone the school about Tuesday$")
    sam.page.get_by_role("button", name=done).click()
    expect(sam.page.locator(".messages")).to_contain_text("Done")
    sam.check()
    _set_availability(morgan.page, "Busy")


TALL_PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}


def _conversation_comes_first(sam: Visit) -> None:
    """Steps 1 to 3 on Sam's phone: the step and its prompts, then the chat's input, all on
    the first screen; no outcome form yet."""
    expect(sam.page.locator("#tt-prompts li").first).to_be_in_viewport()
    expect(sam.page.get_by_role("textbox", name="Message")).to_be_in_viewport(ratio=1)
    expect(sam.page.get_by_role("heading", name="Record the outcome")).to_have_count(0)
    expect(sam.page.get_by_role("button", name="Record the outcome and close")).to_have_count(0)


def test_on_a_phone_the_chat_comes_first_and_the_outcome_form_waits_for_step_4(
    visit: Callable[..., Visit],
) -> None:
    sam, morgan = visit(TALL_PHONE), visit(DESKTOP)
    morgan.sign_in("morgan")
    _set_availability(morgan.page, "Available")
    until(morgan.page, LIVE)
    session = _sam_asks_anyone_available(sam)
    _sees_it_arrive_and_opens_it(morgan, session)
    morgan.page.get_by_role("button", name="Accept: I'll think with you").click()
    _follows(sam.page, "Mark the task")
    _conversation_comes_first(sam)
    sam.check()
    for step in ("State the case", "Mentalize the moment"):
        _move_on(morgan, step)
        _follows(sam.page, step)
        _conversation_comes_first(sam)
    sam.page.set_viewport_size(NARROW)
    sam.check()
    sam.page.set_viewport_size(TALL_PHONE)

    # Step 4: the outcome form appears, below the conversation, without a reload.
    sam.page.evaluate("window.ropeteamNotReloaded = true")
    _move_on(morgan, "Return to purpose")
    _follows(sam.page, "Return to purpose")
    outcome = sam.page.get_by_role("heading", name="Record the outcome")
    expect(outcome).to_be_visible()
    assert sam.page.evaluate("window.ropeteamNotReloaded === true"), "the page was reloaded"
    message = sam.page.get_by_role("textbox", name="Message")
    message_box, outcome_box = message.bounding_box(), outcome.bounding_box()
    assert message_box and outcome_box and message_box["y"] < outcome_box["y"]
    sam.check()
    sam.page.set_viewport_size(NARROW)
    sam.check()

    sam.page.get_by_label("Yes", exact=True).check()
    sam.page.get_by_role("button", name="Record the outcome and close").click()
    expect(sam.page.locator("#tt-met")).to_have_text("Yes")
    _set_availability(morgan.page, "Busy")
