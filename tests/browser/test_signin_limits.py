"""In a real browser: guessing a password is held back with a message saying when to try
again, the right password works once the hold ends, and the person's signed-in tab is
untouched. Its own server, with a 3-second first hold, so the demo server's sign-ins are
never held."""

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, Visit
from tests.servers import Server

DELAY_SECONDS = 3


@pytest.fixture(scope="module")
def held_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"ROPETEAM_SIGNIN_DELAY_SECONDS": str(DELAY_SECONDS)}
    server = Server(tmp_path_factory.mktemp("held"), suffix="_held", env=env).start()
    try:
        yield server
    finally:
        server.stop()


def _tab(browser: Browser, server: Server, viewport: dict[str, int]) -> Visit:
    context = browser.new_context(base_url=server.url, viewport=viewport, locale="en-GB")
    return Visit(context.new_page())


def _try(tab: Visit, password: str) -> None:
    tab.page.goto("/login/")
    tab.page.get_by_label("Username").fill("jo")
    tab.page.get_by_label("Password").fill(password)
    tab.page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
def test_twenty_wrong_passwords_are_held_back_and_the_right_one_works_after(
    browser: Browser, held_server: Server
) -> None:
    signed_in = _tab(browser, held_server, PHONE)
    signed_in.sign_in("jo")
    guesser = _tab(browser, held_server, DESKTOP)
    held = []
    for n in range(20):
        _try(guesser, f"a wrong guess {n}")
        held.append(guesser.page.get_by_text("Too many failed sign-ins. Try again at").count())
        if n == 4:  # the fifth failure starts the first hold, and says so at once
            guesser.check()
    # Later guesses meet holds or, on a slow machine, the gaps between them.
    assert held[:4] == [0, 0, 0, 0]
    assert held[4] == 1
    signed_in.page.reload()  # jo's own session is untouched by the hold
    expect(signed_in.page).not_to_have_url("**/login/**")
    # Holds doubled while the guesses went on; a refused try does not extend one, so the
    # right password works as soon as the last hold ends.
    deadline = time.monotonic() + 60
    _try(guesser, PASSWORD)
    while guesser.page.url.endswith("/login/") and time.monotonic() < deadline:
        expect(guesser.page.get_by_text("Too many failed sign-ins.")).to_be_visible()
        time.sleep(DELAY_SECONDS)
        _try(guesser, PASSWORD)
    guesser.page.wait_for_url(f"{held_server.url}/")
    for tab in (signed_in, guesser):
        tab.page.context.close()
