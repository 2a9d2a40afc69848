"""What people does when someone signs out: their open sockets close."""

from typing import Any

from ropeteam.people.events import AccessNarrowed
from ropeteam.realtime.publish import publish_on_commit


def signed_out(sender: Any, *, user: Any = None, **kwargs: Any) -> None:
    # Every socket of the person closes; devices whose session still stands reconnect.
    if user is not None and user.pk is not None:
        publish_on_commit(AccessNarrowed(user_id=user.pk))
