"""The event outbox: what processes without sockets (the worker, the CLI) leave for the
servers, in the database, where every server process picks it up within a fraction of a
second. So a single machine needs no Redis for live events."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from ropeteam.realtime.models import LiveEvent

log = logging.getLogger(__name__)

EVENT_LIFETIME = timedelta(minutes=5)


def leave_event(message: dict[str, Any]) -> None:
    LiveEvent.objects.create(created_at=timezone.now(), kind=message["type"], payload=message)


def leave_events(messages: list[dict[str, Any]]) -> None:
    """Several events in one transaction, in order."""
    now = timezone.now()
    with transaction.atomic():
        LiveEvent.objects.bulk_create(
            LiveEvent(created_at=now, kind=m["type"], payload=m) for m in messages
        )


def last_event_id() -> int:
    return LiveEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_after(cursor: int) -> list[tuple[int, dict[str, Any]]]:
    return list(
        LiveEvent.objects.filter(pk__gt=cursor, created_at__gte=timezone.now() - EVENT_LIFETIME)
        .order_by("pk")
        .values_list("pk", "payload")
    )


def forget_events() -> None:
    LiveEvent.objects.filter(created_at__lt=timezone.now() - EVENT_LIFETIME).delete()


_gathering = threading.local()


@contextmanager
def gathering_events() -> Iterator[None]:
    """Keep the events this thread leaves for the servers, and write them in one transaction
    at the end: the worker fires hundreds of steps a second, and one commit (an fsync on
    SQLite) per event was most of what each step cost. Events are wake-ups, not the record:
    a worker that dies before the end loses only wake-ups; pages read the truth on connect."""
    _gathering.messages = []
    try:
        yield
    finally:
        messages, _gathering.messages = _gathering.messages, None
        if messages:
            try:
                leave_events(messages)
            except DatabaseError:
                log.exception("could not leave %d events for the servers", len(messages))


def leave(message: dict[str, Any]) -> None:
    """No hub in this process: leave the message for the servers.

    This runs after a commit: if the database refuses, the change itself stands, and the next
    heartbeat carries what the event would have (so it is logged, not raised).
    """
    gathered: list[dict[str, Any]] | None = getattr(_gathering, "messages", None)
    if gathered is not None:
        gathered.append(message)
        return
    try:
        leave_event(message)
    except DatabaseError:
        log.exception("could not leave a %s event for the servers", message.get("type"))
