"""Who is connected to this process: one `Conn` per open socket, found by person.

Process-local state, never relied on across instances: it only decides whom to wake. Access
is checked when a socket attaches and at every heartbeat.
"""

import asyncio
import hashlib
import time
from collections.abc import Iterator

from ropeteam.realtime.events import Audience

# Close codes (docs/protocol.md).
NOT_SIGNED_IN = 4401
ORIGIN_REFUSED = 4403
ACCESS_CHANGED = 4410
TRY_AGAIN_LATER = 1013

MAX_QUEUED = 5000  # frames waiting for one socket before it counts as stuck (closed, 1013)


def session_tag(session_key: str) -> str:
    """How a session is named between processes and in the database: the SHA-256 of its key,
    never the key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class Conn:
    """One open socket: whose it is, which teams it may hear from, what waits to be sent."""

    __slots__ = ("closed", "last_at", "outbox", "session", "team_ids", "user_id")

    def __init__(self, user_id: int, team_ids: frozenset[int], session: str = "") -> None:
        self.user_id = user_id
        self.team_ids = team_ids
        # The `session_tag` of the session it was opened with; "" for a token.
        self.session = session
        self.outbox: asyncio.Queue[str | int] = asyncio.Queue()
        self.closed = False
        # When this socket last did something a handler passes on at most so often, by key.
        self.last_at: dict[object, float] = {}

    def push(self, text: str) -> None:
        if self.closed:
            return
        if self.outbox.qsize() >= MAX_QUEUED:
            # A socket that cannot keep up resumes from its cursor after reconnecting.
            self.close(TRY_AGAIN_LATER)
            return
        self.outbox.put_nowait(text)

    def close(self, code: int) -> None:
        """Close with `code`; whatever was still waiting is dropped, and nothing more is sent."""
        if self.closed:
            return
        self.closed = True
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.outbox.put_nowait(code)


class Registry:
    """This process's sockets by person."""

    def __init__(self) -> None:
        self.by_user: dict[int, set[Conn]] = {}
        # When each person's access last narrowed, so a socket still authenticating at that
        # moment is closed as soon as it attaches.
        self.narrowed_at: dict[int, float] = {}
        # The same for one session: a socket opened with it as it ended.
        self.ended_at: dict[str, float] = {}

    def add(self, conn: Conn, *, since: float) -> bool:
        """Register a socket whose person was authenticated from monotonic time `since`;
        False (and the socket closed) if their access narrowed since then."""
        never = float("-inf")
        if self.narrowed_at.get(conn.user_id, never) >= since or (
            conn.session and self.ended_at.get(conn.session, never) >= since
        ):
            conn.close(ACCESS_CHANGED)
            return False
        self.by_user.setdefault(conn.user_id, set()).add(conn)
        return True

    def remove(self, conn: Conn) -> bool:
        """Forget a socket; True if it was its person's last one here."""
        conn.closed = True
        conns = self.by_user.get(conn.user_id)
        if conns is None:
            return False
        conns.discard(conn)
        if conns:
            return False
        del self.by_user[conn.user_id]
        return True

    def close_user(self, user_id: int, code: int = ACCESS_CHANGED, *, session: str = "") -> None:
        """Close the person's sockets: all, or those opened with `session`."""
        if session:
            self.ended_at[session] = time.monotonic()
        else:
            self.narrowed_at[user_id] = time.monotonic()
        for conn in list(self.by_user.get(user_id, ())):
            if not session or conn.session == session:
                conn.close(code)

    def all(self) -> Iterator[Conn]:
        for conns in self.by_user.values():
            yield from conns

    def deliver(self, audience: Audience, frame: str, *, skip: int | None = None) -> None:
        """Push `frame` to the audience's sockets that hear its team (not `skip`'s)."""
        for user_id in audience.user_ids:
            if user_id == skip:
                continue
            for conn in self.by_user.get(user_id, ()):
                if audience.team_id in conn.team_ids:
                    conn.push(frame)
