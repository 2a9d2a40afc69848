"""Signing out from "My devices" and an admin signing someone out everywhere, against a real
server with real sockets (docs/security.md): the ended session's sockets close within 2 s
and get nothing more; the person's other session keeps its socket and its messages."""

import asyncio
import re

import pytest

from tests.live.client import Socket, browser, post_form, sign_in
from tests.live.conftest import Live
from tests.live.test_session_end import PASSWORD, closes_showing_nothing, session_socket

pytestmark = pytest.mark.timeout(120)
SIGN_OUT = re.compile(r'action="(/settings/devices/\d+/sign-out/)"')


def _page(opener: object, url: str) -> str:
    with opener.open(url) as response:  # type: ignore[attr-defined]
        return str(response.read().decode())


def test_signing_out_another_device_closes_only_that_sessions_socket(live: Live) -> None:
    conversation = live.conversation("morgan", "jo")
    laptop_cookie, laptop = sign_in(live.server.url, "jo", PASSWORD)
    phone_cookie, _phone = sign_in(live.server.url, "jo", PASSWORD)
    # The laptop's list offers to sign out every session but its own: here, the phone's.
    (path,) = SIGN_OUT.findall(_page(laptop, f"{live.server.url}/settings/devices/"))

    async def scenario() -> None:
        on_laptop = await session_socket(live, laptop_cookie)
        on_phone = await session_socket(live, phone_cookie)
        await asyncio.to_thread(post_form, laptop, f"{live.server.url}{path}", {})
        code, took = await closes_showing_nothing(on_phone, live, conversation)
        assert (code, took < 2) == (4410, True)
        message = await on_laptop.next("message")
        assert message["body"] == "Not for a closed session"
        again = await Socket.open(live.url, cookie=phone_cookie, origin=live.server.url)
        assert await again.close_code() == 4401
        await on_laptop.close()

    asyncio.run(scenario())


def test_an_admin_signing_someone_out_everywhere_closes_all_their_sockets(live: Live) -> None:
    conversation = live.conversation("morgan", "sam")
    cookie, _opener = sign_in(live.server.url, "sam", PASSWORD)
    token = live.token("sam")
    _admin_cookie, admin = sign_in(live.server.url, "admin", PASSWORD)
    post_form(admin, f"{live.server.url}/teams/{live.northside}/choose/", {})
    member = f"{live.server.url}/team/members/{live.ids['sam']}/sign-out/"

    async def scenario() -> None:
        by_session = await session_socket(live, cookie)
        by_token = await Socket.join(live.url, token)
        try:
            await asyncio.to_thread(post_form, admin, member, {})
            code, took = await closes_showing_nothing(by_session, live, conversation)
            assert (code, took < 2) == (4410, True)
            assert await by_token.close_code(timeout=2) == 4410
        finally:
            live.tokens.pop("sam", None)
        for credentials in ({"cookie": cookie, "origin": live.server.url}, {"token": token}):
            again = await Socket.open(live.url, **credentials)
            assert await again.close_code() == 4401

    asyncio.run(scenario())


def test_the_devices_page_is_for_the_signed_in_person_only(live: Live) -> None:
    with browser().open(f"{live.server.url}/settings/devices/") as response:
        assert "/login/?next=/settings/devices/" in response.url
