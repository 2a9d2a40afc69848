"""The registry of this process's sockets: who hears what, and who may stay."""

import asyncio
import time

from ropeteam.realtime.conn import ACCESS_CHANGED, Conn, Registry
from ropeteam.realtime.events import Audience


def _drain(conn: Conn) -> list[str | int]:
    out: list[str | int] = []
    while not conn.outbox.empty():
        out.append(conn.outbox.get_nowait())
    return out


def test_an_event_reaches_only_the_audiences_sockets_in_its_team() -> None:
    async def scenario() -> None:
        registry = Registry()
        jo_here = Conn(14, frozenset({1}))
        jo_elsewhere = Conn(14, frozenset({2}))  # another team's socket of the same person
        sam = Conn(12, frozenset({1}))
        for conn in (jo_here, jo_elsewhere, sam):
            assert registry.add(conn, since=time.monotonic())
        registry.deliver(Audience.of(1, [14, 12]), "frame", skip=12)
        assert (_drain(jo_here), _drain(jo_elsewhere), _drain(sam)) == (["frame"], [], [])

    asyncio.run(scenario())


def test_a_socket_authenticated_before_its_access_narrowed_is_closed_as_it_attaches() -> None:
    async def scenario() -> None:
        registry = Registry()
        since = time.monotonic()
        registry.close_user(14)
        conn = Conn(14, frozenset({1}))
        assert not registry.add(conn, since=since)
        assert _drain(conn) == [ACCESS_CHANGED]
        assert registry.add(Conn(14, frozenset({1})), since=time.monotonic())

    asyncio.run(scenario())


def test_removing_says_when_a_persons_last_socket_here_is_gone() -> None:
    async def scenario() -> None:
        registry = Registry()
        phone, laptop = Conn(14, frozenset({1})), Conn(14, frozenset({1}))
        registry.add(phone, since=time.monotonic())
        registry.add(laptop, since=time.monotonic())
        assert registry.remove(phone) is False
        assert registry.remove(laptop) is True
        assert 14 not in registry.by_user

    asyncio.run(scenario())


def test_ending_one_session_closes_only_the_sockets_opened_with_it() -> None:
    async def scenario() -> None:
        registry = Registry()
        phone, laptop, script = (
            Conn(14, frozenset({1}), "phone"),
            Conn(14, frozenset({1}), "laptop"),
            Conn(14, frozenset({1})),
        )
        for conn in (phone, laptop, script):
            assert registry.add(conn, since=time.monotonic())
        since = time.monotonic()
        registry.close_user(14, session="phone")
        assert (phone.closed, laptop.closed, script.closed) == (True, False, False)
        assert not registry.add(Conn(14, frozenset({1}), "phone"), since=since)
        assert registry.add(Conn(14, frozenset({1}), "laptop"), since=since)

    asyncio.run(scenario())
