"""`publish_on_commit(event)`: the one way any domain reaches a socket.

The event goes out once the surrounding transaction commits (at once outside one), so nobody
is told about a change that rolled back. Events are wake-ups, not the record: pages and
clients read the truth from the database.
"""

from django.db import transaction

from ropeteam.realtime.events import Publishable
from ropeteam.realtime.hub import carry


def publish(event: Publishable) -> None:
    """Send `event` now: only for changes already committed (any thread)."""
    carry(event)


def publish_on_commit(event: Publishable, *, using: str | None = None) -> None:
    """Send `event` to its audience's sockets, on every instance, once the change commits."""
    transaction.on_commit(lambda: publish(event), using=using)
