"""The only writers of push subscriptions and deliveries.

A person is told about unread messages at most once per unread spell in a conversation:
from their last read until they read again. Push goes to every subscription they have;
e-mail only when no push got through.
"""

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.notify import mail, push
from ropeteam.notify.flow import (
    EMAIL_LINK_HOURS,
    Channel,
    State,
    Unread,
    is_quiet,
    is_routine,
    newest_for,
    preview,
)
from ropeteam.notify.models import (
    Alert,
    Delivery,
    EmailVerification,
    PushSubscription,
    QuietHours,
)
from ropeteam.notify.vapid import b64url_decode
from ropeteam.people import actions as people
from ropeteam.people.models import User
from ropeteam.people.tokens import hash_secret, new_secret

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MAX_EMAIL = 254
# Told when someone's notification waits for the end of their quiet hours: (user id, until).
Hold = Callable[[int, datetime], None]


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


def notify_unread(
    *, messages: Sequence[tuple[int, int, int]], hold: Hold | None = None
) -> list[Delivery]:
    """Tell each participant who has still not read these messages, once per unread spell.

    Unread messages are routine: someone in their quiet hours is not told now, and `hold`
    hears who and until when, so the caller can look again then.
    """
    made: list[Delivery] = []
    now = timezone.now()
    for conversation_id in sorted({c for c, _seq, _sender in messages}):
        for participant in _reachable(conversation_id):
            unread = newest_for(list(messages), participant.user_id, conversation_id)
            if unread is None:
                continue
            until = quiet_until(participant.user, now)
            if until is not None:
                if hold is not None:
                    hold(participant.user_id, until)
                continue
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
            "thinking_invited": _("%(name)s invites you to a Thinking Together") % {"name": name},
            "visit_prompt": _("Your visit is due to end. Are you OK?"),
            "visit_overdue": _("%(name)s is overdue on a visit") % {"name": name},
            "visit_alarm": _("Alarm: %(name)s needs help on a visit") % {"name": name},
            "concern_raised": _("%(name)s has raised something with you") % {"name": name},
            "concern_resent": _("%(name)s is still waiting for your response") % {"name": name},
            "concern_escalated": _("A concern raised by %(name)s needs you") % {"name": name},
            "urgent_unread": _("Urgent: %(name)s’s message to you is still unread")
            % {"name": name},
            "urgent_escalated": _("%(name)s has not read an urgent message") % {"name": name},
            "rope_holder_asked": _("%(name)s asked you to hold their rope") % {"name": name},
            "rope_holder_added": _("You now hold %(name)s’s rope") % {"name": name},
            "visit_rope_asked": _("Can you hold %(name)s’s rope on a visit?") % {"name": name},
            "test": _("This is a test notification from Ropeteam."),
        }
        return _("Ropeteam"), texts[kind]


def alert(
    *,
    topic: str,
    kind: str,
    about_id: int,
    user_ids: Sequence[int],
    path: str,
    hold: Hold | None = None,
) -> list[Alert]:
    """Push (or, with no working push, e-mail) an alert to each person, once per topic.

    A routine kind (`flow.ROUTINE_ALERTS`) waits out the person's quiet hours (`hold` hears
    who and until when); an alarm, emergency or escalation never does.
    """
    about = User.objects.filter(pk=about_id).first()
    name = " ".join(about.name.split()) if about is not None else ""
    title, body = _alert_text(kind, name)
    made: list[Alert] = []
    now = timezone.now()
    # Everyone's devices in one query: a lead's alert may go to a whole team.
    devices = Prefetch("push_subscriptions", PushSubscription.objects.order_by("pk"))
    people = User.objects.filter(pk__in=user_ids, is_active=True).prefetch_related(devices)
    for user in people.order_by("pk"):
        until = quiet_until(user, now) if is_routine(kind) else None
        if until is not None:
            if hold is not None:
                hold(user.pk, until)
            continue
        subscriptions = list(user.push_subscriptions.all())
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


def alert_address(*, kind: str, about_id: int, to: str, path: str, why: str) -> State:
    """E-mail an alert to an address that is nobody's account (an organisation's out-of-hours
    contact): who and what, never where or why, a link, and why they get it."""
    about = User.objects.filter(pk=about_id).first()
    name = " ".join(about.name.split()) if about is not None else ""
    _title, subject = _alert_text(kind, name)
    link = settings.BASE_URL.rstrip("/") + path
    body = f"{subject}.\n\n{link}\n\n{why}\n"
    return mail.send(to=to, subject=subject, body=body).state


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


# --- a person's channels: e-mail, quiet hours, devices ------------------------------------


def quiet_until(user: User, now: datetime) -> datetime | None:
    """When this person's quiet hours end, if they are in them now; else None."""
    quiet = QuietHours.objects.filter(user=user).first()
    local = timezone.localtime(now)
    if quiet is None or not is_quiet(local.time(), quiet.starts, quiet.ends):
        return None
    end = timezone.make_aware(datetime.combine(local.date(), quiet.ends))
    return (
        end
        if end > now
        else timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), quiet.ends))
    )


def set_quiet_hours(*, actor: User, starts: time | None, ends: time | None) -> QuietHours | None:
    """Hold routine notifications between these local times (None and None: never)."""
    if (starts is None) != (ends is None):
        raise InvalidInput(
            _("Give both times, or neither to turn quiet hours off."),
            field="ends" if ends is None else "starts",
        )
    if starts is not None and starts == ends:
        raise InvalidInput(_("Quiet hours must end at another time than they start."), field="ends")
    with transaction.atomic():
        record(actor=actor, action="notify.quiet_hours_set", target=actor)
        if starts is None or ends is None:
            QuietHours.objects.filter(user=actor).delete()
            return None
        quiet, _made = QuietHours.objects.update_or_create(
            user=actor, defaults={"starts": starts, "ends": ends}
        )
        return quiet


def request_email(*, actor: User, email: str) -> EmailVerification:
    """Ask to be e-mailed at this address: it is used once its link, sent to it, is opened."""
    email = email.strip()
    try:
        if len(email) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            _("Enter an e-mail address such as sam@example.org."), field="email"
        ) from None
    if email.lower() == actor.email.lower():
        raise Conflict(_("This is already the address you are e-mailed at."), field="email")
    raw = new_secret("ev")
    with transaction.atomic():
        EmailVerification.objects.filter(user=actor).delete()
        pending = EmailVerification.objects.create(
            user=actor, email=email, secret_hash=hash_secret(raw), created_at=timezone.now()
        )
        # Neither the address nor the link: the audit log keeps ids only.
        record(actor=actor, action="notify.email_requested", target=pending)
    _send_link(email, raw)
    return pending


def _send_link(email: str, raw: str) -> None:
    query = urlencode({"token": raw})
    link = f"{settings.BASE_URL.rstrip('/')}/settings/notifications/verify/?{query}"
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirm your e-mail address for Ropeteam")
        body = "\n\n".join(
            [
                _("Open this link to have Ropeteam alerts e-mailed to this address:"),
                link,
                _("It works once, within %(hours)d hours, while you are signed in.")
                % {"hours": EMAIL_LINK_HOURS},
                _("If you did not ask for this, ignore this e-mail: nothing changes."),
            ]
        )
    outcome = mail.send(to=email, subject=subject, body=body + "\n")
    if outcome.state != State.SENT:
        raise Conflict(
            _("The e-mail could not be sent (%(error)s); try again later.")
            % {"error": outcome.error},
            field="email",
        )


def verify_email(*, actor: User, token: str) -> User:
    """The link was opened: e-mail me at that address from now on. Works once, for 24 h."""
    pending = EmailVerification.objects.filter(secret_hash=hash_secret(token)).first()
    expired = pending is not None and pending.created_at <= timezone.now() - timedelta(
        hours=EMAIL_LINK_HOURS
    )
    # Another person's link reads like a used one: it must not confirm their address.
    if pending is None or pending.user_id != actor.pk or expired:
        raise InvalidInput(
            _(
                "This link does not work any more: it was used, replaced or is over %(hours)d "
                "hours old. Enter the address again to get a new one."
            )
            % {"hours": EMAIL_LINK_HOURS},
            field="token",
        )
    with transaction.atomic():
        if EmailVerification.objects.filter(pk=pending.pk).delete()[0] == 0:
            raise Conflict(_("This link was used just now."), field="token")
        EmailVerification.objects.filter(user=actor).delete()
        return people.set_verified_email(actor=actor, email=pending.email)


def remove_email(*, actor: User) -> User:
    """Stop e-mailing me, and forget an address waiting for its link."""
    with transaction.atomic():
        EmailVerification.objects.filter(user=actor).delete()
        return people.set_verified_email(actor=actor, email="")


def test_push(*, actor: User, subscription: PushSubscription) -> State:
    """Send a test notification to one of my devices; what the push service said."""
    if subscription.user_id != actor.pk:
        raise NotFound(_("No such device."))
    title, body = _alert_text("test", actor.name)
    state, _attempts, _errors = _push_to(
        [subscription], {"title": title, "body": body, "url": "/settings/notifications/"}
    )
    return state
