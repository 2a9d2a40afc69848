"""What unread notifications and alerts share: pushing to devices, the alert texts."""

from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.notify import push
from ropeteam.notify.flow import State
from ropeteam.notify.models import PushSubscription

# Told when someone's notification waits for the end of their quiet hours: (user id, until).
Hold = Callable[[int, datetime], None]


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
