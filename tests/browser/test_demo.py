"""`ropeteam demo` as a person meets it: the sign-in page, and every demo login working."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from ropeteam import demo

USERS = ["admin", "priya", "morgan", "sam", "jo", "alex", "dee", "kim", "lee"]


def _sign_in(server: str, username: str, password: str) -> tuple[int, str]:
    """Sign in through the real login form; the page and status it ends on."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{server}/login/", timeout=10) as response:
        form = response.read().decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert match, "the sign-in page has no CSRF token"
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  the local demo server
        f"{server}/login/", data=data, headers={"Referer": f"{server}/login/"}
    )
    with opener.open(request, timeout=10) as response:
        return response.status, response.geturl()


@pytest.mark.browser
@pytest.mark.parametrize("username", USERS)
def test_every_demo_login_works(server: str, username: str) -> None:
    status, landed = _sign_in(server, username, demo.PASSWORD)
    assert status == 200
    assert not landed.endswith("/login/"), f"{username} was sent back to the sign-in page"


@pytest.mark.browser
def test_a_wrong_password_does_not_sign_in(server: str) -> None:
    _status, landed = _sign_in(server, "sam", "not-the-password")
    assert landed.endswith("/login/")
