"""A person's channels: e-mail, quiet hours, devices."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.notify import mail
from ropeteam.notify.actions._common import _alert_text, _push_to
from ropeteam.notify.flow import EMAIL_LINK_HOURS, State, is_quiet
from ropeteam.notify.models import EmailVerification, PushSubscription, QuietHours
from ropeteam.people import actions as people
from ropeteam.people.models import User
from ropeteam.people.tokens import hash_secret, new_secret

MAX_EMAIL = 254


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
