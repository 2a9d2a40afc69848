"""A websocket client speaking docs/protocol.md, for tests against a real server."""

import asyncio
import json
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any
from uuid import uuid4

import websockets
from websockets.asyncio.client import ClientConnection

# Frames that arrive on their own schedule; a test waiting for something else skips them.
BACKGROUND = {"heartbeat", "presence", "typing"}
NO_SUCH_CONVERSATION = 10**15


class Socket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        # Foreground frames that arrived while a test waited for another type.
        self.unread: list[dict[str, Any]] = []

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        origin: str | None = None,
        forwarded_proto: str | None = "https",
    ) -> "Socket":
        headers = {}
        if forwarded_proto is not None:
            # What the TLS-ending balancer in front of a production instance adds; a demo
            # server takes plain ws:// anyway.
            headers["X-Forwarded-Proto"] = forwarded_proto
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if cookie is not None:
            headers["Cookie"] = cookie
        ws = await websockets.connect(
            url,
            additional_headers=headers,
            origin=origin,  # type: ignore[arg-type]
            max_size=None,
        )
        return cls(ws)

    @classmethod
    async def join(cls, url: str, token: str) -> "Socket":
        """Open a socket and read its welcome."""
        socket = await cls.open(url, token=token)
        socket.welcome = await socket.next("welcome")
        return socket

    async def send(self, **frame: Any) -> None:
        await self.ws.send(json.dumps(frame))

    async def say(self, conversation: int, body: str, client_id: str | None = None) -> str:
        client_id = client_id or str(uuid4())
        await self.send(type="send", conversation=conversation, client_id=client_id, body=body)
        return client_id

    async def next(self, *types: str, timeout: float = 5) -> dict[str, Any]:
        """The next frame of one of `types` (any type if none given).

        Other foreground frames wait in `unread`; background frames not asked for are
        skipped.
        """
        for index, frame in enumerate(self.unread):
            if not types or frame["type"] in types:
                return self.unread.pop(index)
        # One deadline for the whole wait: heartbeats and presence keep arriving, and must
        # not keep a test waiting for a frame that never comes.
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), max(left, 0)))
            if not types or frame["type"] in types:
                return frame
            if frame["type"] not in BACKGROUND:
                self.unread.append(frame)

    async def fence(self) -> list[dict[str, Any]]:
        """Every foreground frame not yet read, up to the answer to a ping."""
        await self.send(type="ping")
        await self.next("heartbeat")
        seen, self.unread = self.unread, []
        return seen

    async def writer_fence(self) -> None:
        """Wait until the server's writer has handled every send and receipt sent before.

        The writer answers in order, so the answer to a receipt for a conversation that
        cannot exist comes after everything queued ahead of it.
        """
        await self.send(type="receipt", conversation=NO_SUCH_CONVERSATION, read=0)
        while True:
            error = await self.next("error")
            if error["ref"] == NO_SUCH_CONVERSATION:
                return
            self.unread.append(error)

    async def close_code(self, timeout: float = 5) -> int | None:
        """Wait for the server to close the socket; its close code."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def frames_until_close(
        self, timeout: float = 5
    ) -> tuple[list[dict[str, Any]], int | None]:
        """Every frame (background ones included) until the server closes; and the code."""
        got: list[dict[str, Any]] = []
        try:
            while True:
                got.append(json.loads(await asyncio.wait_for(self.ws.recv(), timeout)))
        except websockets.ConnectionClosed as closed:
            return got, closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        await self.ws.close()


def call(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    """An API call with a bearer token; the decoded JSON (None for 204)."""
    request = urllib.request.Request(  # noqa: S310
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        raw = response.read()
    return json.loads(raw) if raw else None


def browser() -> urllib.request.OpenerDirector:
    """A client that keeps cookies, like a browser."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def cookie_jar(opener: urllib.request.OpenerDirector) -> CookieJar:
    handlers = opener.handlers  # type: ignore[attr-defined]
    return next(h.cookiejar for h in handlers if isinstance(h, urllib.request.HTTPCookieProcessor))


def sign_in(base: str, username: str, password: str) -> tuple[str, urllib.request.OpenerDirector]:
    """Sign in through the login form like a browser; the Cookie header and the opener."""
    opener = browser()
    jar = cookie_jar(opener)
    opener.open(f"{base}/login/")
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
    ).encode()
    request = urllib.request.Request(  # noqa: S310  a URL of the test server
        f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"}
    )
    opener.open(request)
    return "; ".join(f"{c.name}={c.value}" for c in jar), opener


def post_form(opener: urllib.request.OpenerDirector, url: str, fields: dict[str, str]) -> str:
    """POST a form the way its page would (the CSRF token read from the opener's cookie); the
    address the answer ended at."""
    jars = [
        h.cookiejar for h in opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
    ]
    csrf = next(c.value for c in jars[0] if c.name == "csrftoken")
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields}).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
    with opener.open(request) as response:
        return str(response.url)
