"""The only writers of push subscriptions and deliveries.

A person is told about unread messages at most once per unread spell in a conversation:
from their last read until they read again. Push goes to every subscription they have;
e-mail only when no push got through.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.notify import mail, push
from ropeteam.notify.flow import Channel, State, Unread, newest_for, preview
from ropeteam.notify.models import Alert, Delivery, PushSubscription
from ropeteam.notify.vapid import b64url_decode
from ropeteam.people.models import User

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


# --- subscriptions ------------------------------------------------------------------------


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


# --- notifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    title: str
    body: str
    path: str
    subject: str
    text: str


def notify_unread(*, messages: Sequence[tuple[int, int, int]]) -> list[Delivery]:
    """Tell each participant who has still not read these messages, once per unread spell."""
    made: list[Delivery] = []
    for conversation_id in sorted({c for c, _seq, _sender in messages}):
        for participant in _reachable(conversation_id):
            unread = newest_for(list(messages), participant.user_id, conversation_id)
            if unread is not None:
                made += _notify(participant, unread)
    return made


def _reachable(conversation_id: int) -> list[Participant]:
    # Only people still in the conversation's team, with a working account.
    team_id = (
        Conversation.objects.filter(pk=conversation_id).values_list("team_id", flat=True).first()
    )
    if team_id is None:
        return []
    return list(
        Participant.objects.filter(
            conversation_id=conversation_id,
            user__is_active=True,
            user__memberships__team_id=team_id,
            user__memberships__removed_at__isnull=True,
        ).select_related("user")
    )


def _notify(participant: Participant, unread: Unread) -> list[Delivery]:
    user = participant.user
    with transaction.atomic():
        # The row lock makes a second worker running the same task wait, then see the claim.
        current = Participant.objects.select_for_update().get(pk=participant.pk)
        if current.last_read_seq >= unread.seq:
            return []
        told = Delivery.objects.filter(
            user=user, conversation_id=unread.conversation_id, up_to_seq__gt=current.last_read_seq
        ).exists()
        subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
        if told or not (subscriptions or user.email):
            return []
        claim = _delivery(user, unread, Channel.PUSH if subscriptions else Channel.EMAIL)
    content = _content(unread)
    if claim.channel == Channel.EMAIL:
        return [_email(claim, user, content)]
    made = [_push(claim, subscriptions, content)]
    if claim.state != State.SENT and user.email:
        made.append(_email(_delivery(user, unread, Channel.EMAIL), user, content))
    return made


def _delivery(user: User, unread: Unread, channel: Channel) -> Delivery:
    return Delivery.objects.create(
        user=user,
        conversation_id=unread.conversation_id,
        up_to_seq=unread.seq,
        channel=channel,
        state=State.QUEUED,
        created_at=timezone.now(),
    )


def _content(unread: Unread) -> Content:
    sender = User.objects.get(pk=unread.sender_id)
    # One line: it goes into an e-mail subject, where a line break would be refused.
    name = " ".join(sender.name.split())
    text = ""
    if settings.NOTIFY_MESSAGE_TEXT:
        message = Message.objects.filter(
            conversation_id=unread.conversation_id, seq=unread.seq
        ).first()
        text = preview(message.body) if message is not None else ""
    # No request here to choose a language: the installation's own.
    with translation.override(settings.LANGUAGE_CODE):
        said = _("%(name)s sent you a message") % {"name": name}
        return Content(
            title=_("Ropeteam"),
            body=_("%(name)s: %(text)s") % {"name": name, "text": text} if text else said,
            path=f"/conversations/{unread.conversation_id}",
            subject=_("%(name)s sent you a message on Ropeteam") % {"name": name},
            text=text,
        )


def _push(delivery: Delivery, subscriptions: list[PushSubscription], content: Content) -> Delivery:
    payload = {"title": content.title, "body": content.body, "url": content.path}
    state, attempts, errors = _push_to(subscriptions, payload)
    return _finish(delivery, state, attempts=attempts, error=errors)


def _push_to(
    subscriptions: list[PushSubscription], payload: dict[str, str]
) -> tuple[State, int, str]:
    """Push to every subscription; the overall state, how many were tried, the errors."""
    outcomes = []
    for subscription in subscriptions:
        outcome = push.send(subscription, payload)
        outcomes.append(outcome)
        if outcome.state == State.SENT:
            PushSubscription.objects.filter(pk=subscription.pk).update(
                last_success_at=timezone.now(), failures=0
            )
        elif outcome.state == State.GONE:
            # The browser unsubscribed or the push service expired it: it will never work.
            subscription.delete()
        else:
            PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
    states = {o.state for o in outcomes}
    if State.SENT in states:
        state = State.SENT
    elif states == {State.GONE}:
        state = State.GONE
    else:
        state = State.FAILED
    return state, len(outcomes), "; ".join(o.error for o in outcomes if o.error)


def _email(delivery: Delivery, user: User, content: Content) -> Delivery:
    link = settings.BASE_URL.rstrip("/") + content.path
    with translation.override(settings.LANGUAGE_CODE):
        parts = [_("%(said)s.") % {"said": content.subject}]
        if content.text:
            parts.append(f"“{content.text}”")
        parts += [
            _("Read it in Ropeteam: %(link)s") % {"link": link},
            _(
                "You get this e-mail because the message is still unread and no device of "
                "yours took a notification."
            ),
        ]
    outcome = mail.send(to=user.email, subject=content.subject, body="\n\n".join(parts) + "\n")
    return _finish(delivery, outcome.state, attempts=1, error=outcome.error)


def _finish(delivery: Delivery, state: State, *, attempts: int, error: str) -> Delivery:
    delivery.state = state
    delivery.attempts = attempts
    delivery.error = error[:200]
    delivery.sent_at = timezone.now() if state == State.SENT else None
    delivery.save(update_fields=["state", "attempts", "error", "sent_at"])
    return delivery


# --- alerts: a Thinking Together request, a visit's escalation ----------------------------


def _alert_text(kind: str, name: str) -> tuple[str, str]:
    """Title and body of an alert: who and what, never where or why (lock screens)."""
    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            "thinking_requested": _("%(name)s asks to think together") % {"name": name},
            "thinking_emergency": _("Emergency: %(name)s needs help now") % {"name": name},
            "visit_prompt": _("Your visit is due to end. Are you OK?"),
            "visit_overdue": _("%(name)s is overdue on a visit") % {"name": name},
            "visit_alarm": _("Alarm: %(name)s needs help on a visit") % {"name": name},
            "concern_raised": _("%(name)s has raised something with you") % {"name": name},
            "concern_resent": _("%(name)s is still waiting for your response") % {"name": name},
            "concern_escalated": _("A concern raised by %(name)s needs you") % {"name": name},
        }
        return _("Ropeteam"), texts[kind]


def alert(
    *, topic: str, kind: str, about_id: int, user_ids: Sequence[int], path: str
) -> list[Alert]:
    """Push (or, with no working push, e-mail) an alert to each person, once per topic."""
    about = User.objects.filter(pk=about_id).first()
    name = " ".join(about.name.split()) if about is not None else ""
    title, body = _alert_text(kind, name)
    made: list[Alert] = []
    for user in User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"):
        subscriptions = list(PushSubscription.objects.filter(user=user).order_by("pk"))
        channel = Channel.PUSH if subscriptions else Channel.EMAIL
        if channel == Channel.EMAIL and not user.email:
            continue
        try:
            with transaction.atomic():
                claim = Alert.objects.create(
                    user=user, topic=topic, channel=channel, created_at=timezone.now()
                )
        except IntegrityError:
            continue  # told already: a repeated task
        if channel == Channel.PUSH:
            claim = _push_alert(claim, subscriptions, {"title": title, "body": body, "url": path})
            made.append(claim)
            if claim.state == State.SENT or not user.email:
                continue
            try:
                with transaction.atomic():
                    claim = Alert.objects.create(
                        user=user, topic=topic, channel=Channel.EMAIL, created_at=timezone.now()
                    )
            except IntegrityError:
                continue
        link = settings.BASE_URL.rstrip("/") + path
        outcome = mail.send(to=user.email, subject=body, body=f"{body}.\n\n{link}\n")
        made.append(_finish_alert(claim, outcome.state, attempts=1, error=outcome.error))
    return made


def _push_alert(
    claim: Alert, subscriptions: list[PushSubscription], payload: dict[str, str]
) -> Alert:
    state, attempts, errors = _push_to(subscriptions, payload)
    return _finish_alert(claim, state, attempts=attempts, error=errors)


def _finish_alert(claim: Alert, state: State, *, attempts: int, error: str) -> Alert:
    claim.state, claim.attempts, claim.error = state, attempts, error[:200]
    claim.sent_at = timezone.now() if state == State.SENT else None
    claim.save(update_fields=["state", "attempts", "error", "sent_at"])
    return claim
