"""`publish_on_commit(event)`: the one way any domain reaches a socket.

The event goes out once the surrounding transaction commits (at once outside one), so nobody
is told about a change that rolled back. Events are wake-ups, not the record: pages and
clients read the truth from the database.
"""

from collections.abc import Callable

from django.db import transaction

from ropeteam.realtime.events import Publishable

Carrier = Callable[[Publishable], None]

_carrier: list[Carrier] = []


def carry_with(carrier: Carrier) -> None:
    """Set what takes published events to sockets (the hub, or the outbox without one)."""
    _carrier[:] = [carrier]


def publish(event: Publishable) -> None:
    """Send `event` now: only for changes already committed (any thread)."""
    if not _carrier:
        raise RuntimeError("no carrier for realtime events: is the realtime app installed?")
    _carrier[0](event)


def publish_on_commit(event: Publishable, *, using: str | None = None) -> None:
    """Send `event` to its audience's sockets, on every instance, once the change commits."""
    transaction.on_commit(lambda: publish(event), using=using)
