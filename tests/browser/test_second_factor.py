"""In a real Chromium: a person adds a passkey with the browser's virtual authenticator and
signs in with it alone; another sets up an authenticator app (the test computes its codes
from the key the page shows) and uses a recovery code once, and a second use fails.

Its own demo server, so the personas who gain a factor here sign in with a password alone
everywhere else. Opened as http://localhost: browsers accept no IP address as a passkey's
relying party, and localhost counts as a secure context (docs/configuration.md).
"""

import base64
from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, PHONE, Visit, more
from tests.servers import Server


@pytest.fixture(scope="module")
def factor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("factors"), suffix="_factors").start()
    try:
        yield server
    finally:
        server.stop()


def _tab(browser: Browser, server: Server) -> Visit:
    url = f"http://localhost:{server.port}"
    context = browser.new_context(base_url=url, viewport=PHONE, locale="en-GB")
    return Visit(context.new_page())


def _virtual_authenticator(page: Page) -> None:
    """A platform authenticator that holds discoverable passkeys and verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def _sign_out(page: Page) -> None:
    more(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")


def _password(tab: Visit, username: str, password: str = PASSWORD) -> None:
    tab.page.goto("/login/")
    tab.page.get_by_label("Username").fill(username)
    tab.page.get_by_label("Password").fill(password)
    tab.page.get_by_role("button", name="Sign in").click()


def _code(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


@pytest.mark.browser
def test_a_person_adds_a_passkey_signs_out_and_signs_in_with_the_passkey_alone(
    browser: Browser, factor_server: Server
) -> None:
    tab = _tab(browser, factor_server)
    page = tab.page
    _virtual_authenticator(page)
    tab.sign_in("morgan")
    page.goto("/settings/security/")
    tab.check()
    page.get_by_label("Name of the new passkey").fill("Work phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your passkey is added")).to_be_visible()
    expect(page.get_by_text("Work phone", exact=True)).to_be_visible()
    tab.check()
    _sign_out(page)
    # Someone guesses Morgan's password until the account is held back...
    for n in range(5):
        _password(tab, "morgan", password=f"a wrong guess {n}")
    expect(page.get_by_text("Too many failed sign-ins. Try again at")).to_be_visible()
    # ...and the passkey still signs her in, with no username and no password: the browser
    # offers the passkey it holds for this site.
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(f"http://localhost:{factor_server.port}/")
    page.goto("/settings/security/")
    expect(page.get_by_text("last used")).to_be_visible()
    tab.check()
    page.context.close()


@pytest.mark.browser
def test_a_person_sets_up_an_app_and_a_recovery_code_works_once(
    browser: Browser, factor_server: Server
) -> None:
    tab = _tab(browser, factor_server)
    page = tab.page
    tab.sign_in("alex")
    page.goto("/settings/security/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.locator("#totp-secret").inner_text()
    tab.check()
    page.get_by_label("Code from the app").fill(_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Your authenticator app is set up.")).to_be_visible()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    tab.check()
    _sign_out(page)

    _password(tab, "alex")
    page.wait_for_url("**/login/second-step/")
    tab.check()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"http://localhost:{factor_server.port}/")
    _sign_out(page)

    _password(tab, "alex")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right. Try again.")).to_be_visible()
    assert page.url.endswith("/login/second-step/")
    tab.check()
    page.context.close()
