"""Read paths of notify, scoped to the asking person."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import QuerySet
from django.utils import timezone

from ropeteam.notify.flow import EMAIL_LINK_HOURS, device_name
from ropeteam.notify.models import Delivery, EmailVerification, PushSubscription, QuietHours
from ropeteam.people import queries as people
from ropeteam.people.models import Team, User

RECENT = 50


def recent_deliveries(user: User, *, limit: int = RECENT) -> QuerySet[Delivery]:
    """The person's own latest notifications, newest first."""
    return Delivery.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]


def devices_of(user: User) -> QuerySet[PushSubscription]:
    """The person's own push subscriptions, oldest first."""
    return PushSubscription.objects.filter(user=user).order_by("created_at", "pk")


def device_name_of(device: PushSubscription) -> str:
    """What kind of browser this is, by its push service (never the endpoint itself)."""
    return device_name(urlsplit(device.endpoint).hostname or "")


def pending_email(user: User) -> EmailVerification | None:
    """The address waiting for its link to be opened, while its link still works."""
    since = timezone.now() - timedelta(hours=EMAIL_LINK_HOURS)
    return EmailVerification.objects.filter(user=user, created_at__gt=since).first()


@dataclass(frozen=True)
class Channels:
    """Everywhere the person can be told something, as they set it."""

    email: str
    email_pending: str
    phone: str
    quiet_hours: QuietHours | None
    devices: list[PushSubscription]

    @property
    def is_reachable(self) -> bool:
        return bool(self.email or self.devices)


def channels_of(user: User) -> Channels:
    """The person's own channels."""
    pending = pending_email(user)
    return Channels(
        email=user.email,
        email_pending=pending.email if pending is not None else "",
        phone=user.phone,
        quiet_hours=QuietHours.objects.filter(user=user).first(),
        devices=list(devices_of(user)),
    )


def unreachable_in(team: Team) -> list[User]:
    """Current members the app cannot reach away from it: no verified e-mail, no device."""
    members = [m.user for m in people.current_members(team)]
    with_device = set(
        User.objects.filter(
            pk__in=[u.pk for u in members],
            id__in=PushSubscription.objects.values("user_id"),
        ).values_list("pk", flat=True)
    )
    return [u for u in members if not u.email and u.pk not in with_device]
