"""What closes sockets and updates presence: changes made anywhere in the application."""

from typing import Any

from django.contrib.auth.signals import user_logged_out

from ropeteam.conversations.live.hub import tell
from ropeteam.people import signals


def _narrowed(sender: Any, *, user_id: int, **kwargs: Any) -> None:
    tell("revoke", user_id)


def _availability(sender: Any, *, user_id: int, **kwargs: Any) -> None:
    tell("availability", user_id)


def _signed_out(sender: Any, *, user: Any = None, **kwargs: Any) -> None:
    # Every socket of the person closes; devices whose session still stands reconnect.
    if user is not None and user.pk is not None:
        tell("revoke", user.pk)


def connect() -> None:
    signals.access_narrowed.connect(_narrowed, dispatch_uid="live-narrowed")
    signals.availability_changed.connect(_availability, dispatch_uid="live-availability")
    user_logged_out.connect(_signed_out, dispatch_uid="live-signed-out")
