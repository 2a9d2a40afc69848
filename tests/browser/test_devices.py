"""My devices and the change-password page in a real Chromium: at 360 px and on a desktop,
by keyboard, and clean for axe-core."""

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, Visit, more

pytestmark = pytest.mark.browser


def test_jo_signs_out_her_other_device_by_keyboard(visit: Callable[..., Visit]) -> None:
    for viewport in (PHONE, DESKTOP):
        tab, other = visit(viewport), visit(PHONE)
        other.sign_in("jo")
        tab.sign_in("jo")
        page = tab.page
        more(page)
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Settings", exact=True
        ).click()
        page.get_by_role("link", name="My devices: where I am signed in, my password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("My devices")
        expect(page.locator("#sessions")).to_contain_text("this device")
        tab.check()
        button = page.get_by_role("button", name="Sign out every other device")
        button.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("other device", exact=False).first).to_be_visible()
        expect(page.locator("#sessions > li")).to_have_count(1)
        tab.check()
        other.page.goto("/settings/devices/")
        expect(other.page).to_have_url(re.compile(r"/login/\?next=/settings/devices/$"))


def test_the_change_password_page_says_what_is_wrong(visit: Callable[..., Visit]) -> None:
    for viewport in (PHONE, DESKTOP):
        tab = visit(viewport)
        tab.sign_in("jo")
        page = tab.page
        page.goto("/settings/devices/")
        page.get_by_role("link", name="Change my password").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Change my password")
        tab.check()
        page.get_by_label("Current password").fill("not my password")
        page.get_by_label("New password:", exact=True).fill("a quiet walk along the canal")
        page.get_by_label("The new password again").fill("a quiet walk along the canal")
        page.get_by_label("The new password again").press("Enter")
        expect(page.locator(".errorlist")).to_contain_text("Your old password was entered")
        tab.check()
