"""The rope card offline: who to call in a dead zone, kept on the phone, gone at sign-out."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Visit, _server_zone, more, until

pytestmark = [pytest.mark.browser, pytest.mark.hazard("H8")]

SAMS_ROPE = ["Jo Byrne", "Morgan Ellis", "Priya Shah"]
JOS_ROPE = ["Sam Okafor", "Morgan Ellis", "Priya Shah"]
NARROW = {"width": 320, "height": 640}
CARD_KEPT = """async () => {
  if (!(await indexedDB.databases()).some((d) => d.name === "ropeteam-rope")) return false;
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("ropeteam-rope"); r.onsuccess = () => ok(r.result); r.onerror = no;
  });
  try {
    if (!db.objectStoreNames.contains("cards")) return false;
    return await new Promise((ok) => {
      const r = db.transaction("cards").objectStore("cards").count();
      r.onsuccess = () => ok(r.result > 0);
    });
  } finally { db.close(); }
}"""


def _online_visit(tab: Visit, username: str) -> str:
    """Sign in (the rope page opens), with the service worker in charge and the card kept.

    Returns the clock times, as the phone shows them, around the moment the card was kept.
    """
    before = datetime.now(_server_zone())
    tab.sign_in(username)
    until(tab.page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    until(tab.page, f"({CARD_KEPT})()")
    after = datetime.now(_server_zone()) + timedelta(seconds=1)
    return f"{before:%H:%M}|{after:%H:%M}"


def _rope_offline(page: Page) -> list[str]:
    return page.locator("#rope-card-holders > li .person__name").all_inner_texts()


def test_sams_rope_holders_and_their_numbers_show_offline_after_one_online_visit(
    visit: Callable[..., Visit], duty_lead: str
) -> None:
    tab = visit(PHONE)
    times = _online_visit(tab, "sam")
    context = tab.page.context
    context.set_offline(True)

    # Opening the app again in a dead zone, as from the home screen: the start URL.
    page = context.new_page()
    offline = Visit(page)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    card = page.get_by_role("region", name="Who to call")
    expect(card).to_be_visible()
    assert _rope_offline(page) == SAMS_ROPE
    expect(page.get_by_role("link", name="Call 07700 900104 Jo Byrne")).to_have_attribute(
        "href", "tel:07700900104"
    )
    expect(page.get_by_role("link", name="Text Jo Byrne")).to_have_attribute(
        "href", "sms:07700900104"
    )
    first = page.locator("#rope-card-holders > li").first
    expect(first.locator("a[href^='tel:']")).to_have_count(1)
    as_of = page.locator("#rope-card-as-of")
    expect(as_of).to_contain_text("Sam Okafor’s rope holders in Northside Outreach, as of ")
    assert any(f"as of {t}." in as_of.inner_text() for t in times.split("|")), as_of.inner_text()
    expect(page.locator("#rope-card-duty .person__name")).to_have_text(duty_lead)
    expect(page.locator("#rope-card-duty a[href^='tel:07700']")).to_have_count(1)
    expect(
        page.get_by_role("link", name="Call Emergency duty team 0300 555 0123")
    ).to_have_attribute("href", "tel:03005550123")
    offline.check()
    # By keyboard, the first rope holder's number is a few Tabs from the top of the page.
    call = page.get_by_role("link", name="Call 07700 900104 Jo Byrne")
    for _ in range(4):
        page.keyboard.press("Tab")
        if call.evaluate("link => link === document.activeElement"):
            break
    expect(call).to_be_focused()
    page.set_viewport_size(NARROW)
    offline.check()
    context.set_offline(False)


def test_after_signing_out_the_offline_page_shows_no_numbers(
    visit: Callable[..., Visit],
) -> None:
    tab = visit(PHONE)
    _online_visit(tab, "alex")
    page = tab.page
    more(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    databases = page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    assert "ropeteam-rope" not in databases
    # The sign-out cleared the site's storage: the worker installs afresh from the login page.
    until(page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)")
    page.context.set_offline(True)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.locator("#rope-card")).to_be_hidden()
    assert page.locator("a[href^='tel:'], a[href^='sms:']").count() == 0
    assert "07700" not in page.locator("body").inner_text()
    assert "Morgan Ellis" not in page.locator("body").inner_text()
    tab.check()
    page.context.set_offline(False)


def test_the_card_on_a_shared_phone_is_the_person_who_signed_in_last(
    visit: Callable[..., Visit],
) -> None:
    tab = visit(PHONE)
    _online_visit(tab, "sam")
    more(tab.page)
    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.wait_for_url("**/login/")
    _online_visit(tab, "jo")
    tab.page.context.set_offline(True)
    tab.page.goto("/visits/")
    expect(tab.page.locator("#rope-card")).to_be_visible()
    assert _rope_offline(tab.page) == JOS_ROPE
    expect(tab.page.locator("#rope-card-as-of")).to_contain_text("Jo Byrne’s rope holders")
    tab.page.context.set_offline(False)
