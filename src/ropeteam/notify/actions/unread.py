"""Unread messages: each participant told once per unread spell."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.notify import mail
from ropeteam.notify.actions._common import Hold, _push_to
from ropeteam.notify.actions.channels import quiet_until
from ropeteam.notify.flow import Channel, State, Unread, newest_for, preview
from ropeteam.notify.models import Delivery, PushSubscription
from ropeteam.people.models import User


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
