"""Twenty wrong passwords in a minute against a real server: held back with a message, the
right password works after the hold, the person's open socket stays up, and the refusals
are in the audit trail."""

import asyncio
import json
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.live.client import Socket, browser, sign_in
from tests.servers import Server, in_server

pytestmark = pytest.mark.timeout(120)
PASSWORD = "hold-the-rope-together"
DELAY_SECONDS = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"ROPETEAM_SIGNIN_DELAY_SECONDS": str(DELAY_SECONDS)}
    started = Server(tmp_path_factory.mktemp("signin"), suffix="_signin", env=env).start()
    try:
        yield started
    finally:
        started.stop()


def _try(server: Server, password: str) -> str:
    """One sign-in as jo from a fresh browser: the page's text, or "signed in"."""
    opener = browser()
    opener.open(f"{server.url}/login/")
    jar = opener.handlers  # the csrf cookie, as the page would post it
    csrf = next(
        c.value
        for h in jar
        if hasattr(h, "cookiejar")
        for c in h.cookiejar
        if c.name == "csrftoken"
    )
    form = urllib.parse.urlencode(
        {"username": "jo", "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    with opener.open(f"{server.url}/login/", data=form) as response:
        return "signed in" if not response.url.endswith("/login/") else response.read().decode()


def test_guessing_is_held_back_and_the_persons_socket_stays_up(server: Server) -> None:
    cookie, _opener = sign_in(server.url, "jo", PASSWORD)

    async def scenario() -> None:
        socket = await Socket.open(server.ws_url, cookie=cookie, origin=server.url)
        await socket.next("welcome")
        started = time.monotonic()
        answers = [await asyncio.to_thread(_try, server, f"guess {n}") for n in range(20)]
        assert time.monotonic() - started < 60
        held = ["Too many failed sign-ins. Try again at" in a for a in answers]
        # The fifth failure starts the first hold; later ones meet holds, or on a slow
        # machine the gaps between them (each hold doubles, so fewer and fewer).
        assert held[:5] == [False] * 4 + [True]
        assert sum(held) >= 5
        await socket.fence()  # still open, still answering
        # Holds doubled while the guesses went on; a refused try does not extend one, so
        # the right password works as soon as the last hold ends.
        deadline = time.monotonic() + 60
        while (answer := await asyncio.to_thread(_try, server, PASSWORD)) != "signed in":
            assert "Too many failed sign-ins." in answer
            assert time.monotonic() < deadline
            await asyncio.sleep(DELAY_SECONDS)
        await socket.fence()
        await socket.close()

    asyncio.run(scenario())
    counted = in_server(
        server,
        "import json; from collections import Counter\n"
        "from ropeteam.audit.models import AuditEntry\n"
        "print(json.dumps(Counter(AuditEntry.objects.filter(action__startswith='signin.')"
        ".values_list('action', flat=True))))",
    )
    audit = json.loads(counted)
    # Every guess is in the trail: counted as a failure, or refused during a hold.
    assert audit["signin.failed"] >= 5
    assert audit["signin.refused"] >= 1
    assert audit["signin.failed"] + audit["signin.refused"] >= 20
