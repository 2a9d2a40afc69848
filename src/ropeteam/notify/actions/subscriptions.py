"""Push subscriptions: a browser's endpoint and keys, checked."""

import ipaddress
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.notify.models import PushSubscription
from ropeteam.notify.vapid import b64url_decode
from ropeteam.people.models import User

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def subscribe_push(
    *, actor: User, endpoint: str, p256dh: str, auth: str
) -> tuple[PushSubscription, bool]:
    """Register this browser for push; returns the subscription and whether it is new to me.

    An endpoint another person registered moves to me: one browser profile, one owner, and
    the last one to sign in and subscribe is the one using it.
    """
    _check_endpoint(endpoint)
    _check_keys(p256dh, auth)
    now = timezone.now()
    try:
        with transaction.atomic():
            existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint)
            subscription = existing.first()
            if subscription is not None and subscription.user_id == actor.pk:
                if (subscription.p256dh, subscription.auth) != (p256dh, auth):
                    subscription.p256dh, subscription.auth = p256dh, auth
                    subscription.save(update_fields=["p256dh", "auth"])
                return subscription, False
            if subscription is not None:
                subscription.user = actor
                subscription.p256dh, subscription.auth = p256dh, auth
                subscription.created_at, subscription.last_success_at = now, None
                subscription.failures = 0
                subscription.save()
            else:
                subscription = PushSubscription.objects.create(
                    user=actor, endpoint=endpoint, p256dh=p256dh, auth=auth, created_at=now
                )
            record(actor=actor, action="push.subscribed", target=subscription)
    except IntegrityError:
        # The same endpoint arrived twice at the same moment; the other request won.
        raise Conflict(
            _("This browser subscribed twice at once; try again."), field="endpoint"
        ) from None
    return subscription, True


def unsubscribe_push(*, actor: User, subscription: PushSubscription) -> None:
    """Stop push to this browser."""
    if subscription.user_id != actor.pk:
        raise NotFound(_("No such subscription."))
    with transaction.atomic():
        record(actor=actor, action="push.unsubscribed", target=subscription)
        subscription.delete()


def _check_endpoint(endpoint: str) -> None:
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018  raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidInput(_("The endpoint must be a URL."), field="endpoint") from None
    if parts.scheme not in {"https", "http"} or not host:
        raise InvalidInput(
            _("The endpoint must be the https:// URL the browser's push service gave."),
            field="endpoint",
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            _("The endpoint must not carry a user name or password."), field="endpoint"
        )
    # Plain HTTP and local addresses only for a test push service on this machine.
    if host in LOOPBACK_HOSTS and settings.PUSH_ALLOW_LOOPBACK:
        return
    if parts.scheme != "https":
        raise InvalidInput(_("The endpoint must use https://."), field="endpoint")
    if _is_local(host):
        # The server posts to this URL: a private address would let anyone make it probe
        # the organisation's own network.
        raise InvalidInput(
            _("The endpoint must be a push service on the internet, not a local address."),
            field="endpoint",
        )


def _is_local(host: str) -> bool:
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return "." not in host or host.endswith((".localhost", ".local", ".internal"))


def _check_keys(p256dh: str, auth: str) -> None:
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65:
            raise ValueError("not an uncompressed point")
    except ValueError:
        raise InvalidInput(
            _("keys.p256dh must be the browser's P-256 public key: 65 bytes in base64url."),
            field="keys.p256dh",
        ) from None
    try:
        secret = b64url_decode(auth)
    except ValueError:
        secret = b""
    if len(secret) != 16:
        raise InvalidInput(
            _("keys.auth must be the browser's 16-byte auth secret in base64url."),
            field="keys.auth",
        )
