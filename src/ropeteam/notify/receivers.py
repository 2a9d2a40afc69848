"""What notify does when conversations announce stored messages, and people new rope holders."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from ropeteam.notify import tasks
from ropeteam.notify.events import RopeHolderAdded
from ropeteam.notify.urgent import open_chains
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit


def schedule_unread_check(sender: Any, messages: list[tuple[int, int, int]], **kwargs: Any) -> None:
    """Enqueue one deadline task for the batch, in the storing transaction.

    The task row commits with the messages, so a crash after the commit cannot lose the
    notification, and a send that rolls back leaves no task behind.
    """
    run_after = timezone.now() + timedelta(seconds=settings.NOTIFY_AFTER_SECONDS)
    tasks.notify_unread.using(run_after=run_after).enqueue(
        [[int(c), int(s), int(u)] for c, s, u in messages]
    )


def open_urgent_chains(
    sender: Any, urgent: list[tuple[int, int]] | None = None, **kwargs: Any
) -> None:
    """Start the unread-urgent ladder for each urgent message, in the storing transaction:
    its steps commit with the message or not at all."""
    if urgent:
        open_chains(urgent=[(int(c), int(s)) for c, s in urgent], now=timezone.now())


def tell_new_rope_holders(
    sender: Any, team_id: int, worker_id: int, actor_id: int, holder_ids: list[int], **kwargs: Any
) -> None:
    """Alert colleagues who now hold someone's rope, in the transaction that made them so.

    The topic carries the moment, so someone taken off and later asked again is told again.
    """
    kind = "rope_holder_asked" if actor_id == worker_id else "rope_holder_added"
    moment = int(timezone.now().timestamp())
    for holder_id in holder_ids:
        tasks.alert_later(
            topic=f"rope:{team_id}:{worker_id}:{holder_id}:{moment}",
            kind=kind,
            about_id=worker_id,
            user_ids={holder_id},
            path=f"/team/members/{worker_id}/",
        )
    publish_on_commit(RopeHolderAdded(audience=Audience.of(team_id, holder_ids), worker=worker_id))
