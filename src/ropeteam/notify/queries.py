"""Read paths of notify, scoped to the asking person."""

from django.db.models import QuerySet

from ropeteam.notify.models import Delivery
from ropeteam.people.models import User

RECENT = 50


def recent_deliveries(user: User, *, limit: int = RECENT) -> QuerySet[Delivery]:
    """The person's own latest notifications, newest first."""
    return Delivery.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]
