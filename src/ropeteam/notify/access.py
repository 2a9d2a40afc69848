"""The only door to push subscriptions: a person reaches their own and nobody else's."""

from django.utils.translation import gettext as _

from ropeteam.core.errors import NotFound
from ropeteam.notify.models import PushSubscription
from ropeteam.people.access import AnyUser


def access_subscription(user: AnyUser, endpoint: str) -> PushSubscription:
    """My subscription with this endpoint; someone else's looks the same as none (404)."""
    if not user.is_authenticated:
        raise NotFound(_("No such subscription."))
    subscription = PushSubscription.objects.filter(endpoint=endpoint, user_id=user.pk).first()
    if subscription is None:
        raise NotFound(_("No such subscription."))
    return subscription


def access_device(user: AnyUser, device_id: int) -> PushSubscription:
    """My push subscription by id; someone else's looks the same as none (404)."""
    device = (
        PushSubscription.objects.filter(pk=device_id, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    if device is None:
        raise NotFound(_("No such device."))
    return device
