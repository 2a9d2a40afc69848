"""Alerts: a Thinking Together request, a visit's escalation, a concern."""

from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone

from ropeteam.notify import mail
from ropeteam.notify.actions._common import Hold, _alert_text, _push_to
from ropeteam.notify.actions.channels import quiet_until
from ropeteam.notify.flow import Channel, State, is_routine
from ropeteam.notify.models import Alert, PushSubscription
from ropeteam.people.models import User


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
        made += _alert_one(user, topic=topic, path=path, title=title, body=body)
    return made


def _alert_one(user: User, *, topic: str, path: str, title: str, body: str) -> list[Alert]:
    """Push to the person's devices, and e-mail them when no push got through: those sent."""
    made: list[Alert] = []
    subscriptions = list(user.push_subscriptions.all())
    channel = Channel.PUSH if subscriptions else Channel.EMAIL
    if channel == Channel.EMAIL and not user.email:
        return made
    try:
        with transaction.atomic():
            claim = Alert.objects.create(
                user=user, topic=topic, channel=channel, created_at=timezone.now()
            )
    except IntegrityError:
        return made  # told already: a repeated task
    if channel == Channel.PUSH:
        claim = _push_alert(claim, subscriptions, {"title": title, "body": body, "url": path})
        made.append(claim)
        if claim.state == State.SENT or not user.email:
            return made
        try:
            with transaction.atomic():
                claim = Alert.objects.create(
                    user=user, topic=topic, channel=Channel.EMAIL, created_at=timezone.now()
                )
        except IntegrityError:
            return made
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
