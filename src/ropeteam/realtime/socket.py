"""The `/ws/v1` endpoint: check the Origin, authenticate once at connect, then hand each
frame to the registered domain's handler and send what the hub queues, in order."""

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import timezone

from ropeteam.realtime.conn import NOT_SIGNED_IN, ORIGIN_REFUSED, Conn, session_tag
from ropeteam.realtime.hub import Hub

# A session ended by something that tells nobody (a row deleted by hand) is noticed this late.
SESSION_RECHECK_SECONDS = 300.0

Scope = dict[str, Any]


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope["headers"] if k == name]
    return b"; ".join(values).decode("latin-1") if values else None


def origin_allowed(scope: Scope) -> bool:
    """A browser's socket must come from a page of this site (no cross-site hijacking)."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True  # not a browser: nothing could ride on someone else's cookie
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    host = _header(scope, b"host") or ""
    domain, _port = split_domain_port(host)
    return urlsplit(origin).netloc == host and validate_host(domain, settings.ALLOWED_HOSTS)


def transport_allowed(scope: Scope) -> bool:
    """In production a socket must be TLS: `wss://`, or `ws://` from a proxy that says https."""
    if not settings.SESSION_COOKIE_SECURE or scope.get("scheme") == "wss":
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy is None:
        return False
    name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode("latin-1")
    return bool(_header(scope, name) == proxy[1])


def _credentials(scope: Scope) -> tuple[str | None, str | None]:
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    bearer = token.strip() if scheme.lower() == "bearer" and token.strip() else None
    cookies = parse_cookie(_header(scope, b"cookie") or "")
    return cookies.get(settings.SESSION_COOKIE_NAME), bearer


async def live_socket(scope: Scope, receive: Any, send: Any) -> None:
    event = await receive()
    if event["type"] != "websocket.connect":
        return
    hub = Hub.get()
    # Accept first, so a refusal reaches the client as a documented close code.
    await send({"type": "websocket.accept"})
    if not (origin_allowed(scope) and transport_allowed(scope)):
        await send({"type": "websocket.close", "code": ORIGIN_REFUSED})
        return
    session_key, bearer = _credentials(scope)
    since = time.monotonic()
    user = await hub.read(hub.domain.authenticate, session_key=session_key, bearer=bearer)
    if user is None:
        await send({"type": "websocket.close", "code": NOT_SIGNED_IN})
        return
    arrival = await hub.read(hub.domain.arrive, user)
    # A socket opened with a session closes when that session is signed out, and only then.
    session = session_tag(session_key) if bearer is None and session_key else ""
    conn = Conn(arrival.user_id, arrival.team_ids, session)
    hub.attach(conn, arrival, since=since)
    pump = asyncio.create_task(_pump(conn, send))
    watch = None
    if bearer is None and session_key:
        watch = asyncio.create_task(_watch_session(hub, conn, session_key))
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.receive":
                text = event.get("text")
                hub.domain.handle(conn, text if text is not None else event.get("bytes"))
            elif event["type"] == "websocket.disconnect":
                break
    finally:
        hub.detach(conn)
        pump.cancel()
        if watch is not None:
            watch.cancel()


async def _watch_session(hub: Hub, conn: Conn, session_key: str) -> None:
    """Close the socket (4401) as its session ends on its own: idle or past its lifetime.

    Sign-out, a new password and deactivation close it at once through the hub; this is for
    the ends nobody announces. Activity moves the end later, so it is read again each time.
    """
    while not conn.closed:
        ends_at = await hub.read(hub.domain.session_ends_at, session_key, conn.user_id)
        if ends_at is None:
            conn.close(NOT_SIGNED_IN)
            return
        left = (ends_at - timezone.now()).total_seconds()
        await asyncio.sleep(min(max(left, 0.0) + 0.05, SESSION_RECHECK_SECONDS))


async def _pump(conn: Conn, send: Any) -> None:
    """Send what the hub queued for this socket, in order; an int is a close code."""
    while True:
        item = await conn.outbox.get()
        if isinstance(item, int):
            await send({"type": "websocket.close", "code": item})
            return
        await send({"type": "websocket.send", "text": item})
