"""What notify does when conversations announce stored messages."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from ropeteam.notify import tasks


def schedule_unread_check(sender: Any, messages: list[tuple[int, int, int]], **kwargs: Any) -> None:
    """Enqueue one deadline task for the batch, in the storing transaction.

    The task row commits with the messages, so a crash after the commit cannot lose the
    notification, and a send that rolls back leaves no task behind.
    """
    run_after = timezone.now() + timedelta(seconds=settings.NOTIFY_AFTER_SECONDS)
    tasks.notify_unread.using(run_after=run_after).enqueue(
        [[int(c), int(s), int(u)] for c, s, u in messages]
    )
