"""A production server: `__Host-` cookies, and no socket over plain ws:// (docs/security.md)."""

import asyncio
import urllib.request
from collections.abc import Iterator

import pytest

from tests.live.client import Socket
from tests.servers import Server, production_env


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = Server(
        tmp_path_factory.mktemp("production"), suffix="_production", env=production_env("p")
    )
    server.start("serve", "--migrate", "--no-worker", "--port", str(server.port))
    try:
        yield server
    finally:
        server.stop()


def test_production_cookies_are_host_prefixed_and_secure(production: Server) -> None:
    with urllib.request.urlopen(f"{production.url}/login/") as response:  # noqa: S310
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-csrftoken=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_a_socket_over_plain_ws_is_refused_unless_the_proxy_says_https(production: Server) -> None:
    async def scenario() -> tuple[int | None, int | None, int | None]:
        plain = await Socket.open(production.ws_url, forwarded_proto=None)
        spoofed = await Socket.open(production.ws_url, forwarded_proto="http")
        behind_tls = await Socket.open(production.ws_url, forwarded_proto="https")
        return (
            await plain.close_code(),
            await spoofed.close_code(),
            await behind_tls.close_code(),
        )

    # Through TLS it goes on to authenticate (no credentials here: 4401, not signed in).
    assert asyncio.run(scenario()) == (4403, 4403, 4401)
