from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ropeteam.notify.flow import Channel, State


class PushSubscription(models.Model):
    """A browser's Web Push subscription: where to post, and the keys to encrypt for it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # The push service's URL for this one browser: a capability, so it is never shown back.
    endpoint = models.URLField(_("endpoint"), max_length=2048, unique=True)
    p256dh = models.CharField(max_length=100)  # the browser's P-256 public key, base64url
    auth = models.CharField(max_length=32)  # the 16-byte auth secret, base64url
    created_at = models.DateTimeField()
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)  # since the last success

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push subscription {self.pk} of {self.user_id}"


class Delivery(models.Model):
    """One notification about unread messages, on one channel, and what became of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deliveries"
    )
    # A plain id, not a foreign key: notify sits above conversations and only reads it.
    conversation_id = models.PositiveBigIntegerField()
    up_to_seq = models.PositiveBigIntegerField()
    channel = models.CharField(max_length=8, choices=[(c.value, c.name) for c in Channel])
    state = models.CharField(
        max_length=8, choices=[(s.value, s.name) for s in State], default=State.QUEUED.value
    )
    attempts = models.PositiveIntegerField(default=0)
    # Why it failed, in a few words (a status code, an exception's name): never message text.
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["user", "conversation_id", "up_to_seq"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=[c.value for c in Channel]), name="delivery_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="delivery_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=State.SENT.value, sent_at__isnull=False)
                | (~Q(state=State.SENT.value) & Q(sent_at__isnull=True)),
                name="delivery_sent_at_when_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.state})"


class Alert(models.Model):
    """One alert to one person on one channel (a Thinking Together request, a visit's
    escalation step or alarm), and what became of it. `topic` names the event, so an alert
    is sent at most once per person and channel however often its task runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts"
    )
    topic = models.CharField(max_length=80)  # e.g. "thinking:12:2" or "visit:5:1:3"
    channel = models.CharField(max_length=8, choices=[(c.value, c.name) for c in Channel])
    state = models.CharField(
        max_length=8, choices=[(s.value, s.name) for s in State], default=State.QUEUED.value
    )
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic", "channel"], name="alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} alert {self.topic} ({self.state})"


class QuietHours(models.Model):
    """When a person does not want routine notifications: local clock times, which may
    cross midnight. Alarms, emergencies and escalations are sent regardless."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    starts = models.TimeField(_("quiet from"))
    ends = models.TimeField(_("quiet until"))

    class Meta:
        verbose_name = _("quiet hours")
        verbose_name_plural = _("quiet hours")
        constraints = [
            models.CheckConstraint(condition=~Q(starts=models.F("ends")), name="quiet_not_empty")
        ]

    def __str__(self) -> str:
        return f"quiet hours of {self.user_id}"


class EmailVerification(models.Model):
    """An address someone asked to be e-mailed at, waiting for its link to be opened.

    Only the SHA-256 of the link's secret is kept, as for API tokens: a copy of the
    database does not give working links. A used or newer link leaves no other one working.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_verifications"
    )
    email = models.EmailField(_("e-mail address"))
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("e-mail verification")
        verbose_name_plural = _("e-mail verifications")

    def __str__(self) -> str:
        return f"e-mail verification {self.pk} of {self.user_id}"


class UrgentWait(models.Model):
    """A team's wait before an unread urgent message is notified again; after as long again
    the reader's rope holders and the duty lead are told (default: ROPETEAM_URGENT_AFTER_SECONDS).
    """

    team = models.OneToOneField("people.Team", on_delete=models.CASCADE, related_name="+")
    wait_seconds = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(wait_seconds__gte=1), name="urgent_wait_positive")
        ]

    def __str__(self) -> str:
        return f"urgent wait of team {self.team_id}"


class UrgentCheck(models.Model):
    """A reader who had not read an urgent message when their rope holders and the duty lead
    were told, whom they told, and who said "I'll check on them".

    It holds names and times only through its keys: those told are not in the conversation
    and must learn nothing of what it says.
    """

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Everyone told about it so far (ids): the only people who see it and may acknowledge it.
    told = models.JSONField(default=list)
    escalated_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The reader read it, or left the team: nothing more is said about them.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reader"], name="urgent_check_once"),
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True, acknowledged_at__isnull=True)
                | Q(acknowledged_by__isnull=False, acknowledged_at__isnull=False),
                name="urgent_check_acknowledged_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"urgent message {self.message_id} unread by {self.reader_id}"
