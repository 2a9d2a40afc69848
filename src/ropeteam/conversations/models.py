from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ropeteam.conversations.flow import Kind
from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.models import Team


class Conversation(models.Model):
    """Messages between team members; `last_seq` is the seq of its newest message."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="conversations")
    kind = models.CharField(max_length=16, choices=[(k.value, k.name) for k in Kind])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="conversation_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} conversation {self.pk}"


class Participant(models.Model):
    """A member of a conversation, with how far they have received and read it."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    last_delivered_seq = models.PositiveBigIntegerField(default=0)
    last_read_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_once"),
            models.CheckConstraint(
                condition=Q(last_read_seq__lte=F("last_delivered_seq")),
                name="read_implies_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation}"


class Message(models.Model):
    """One message: committed before anyone is told, numbered without gaps per conversation."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Chosen by the sender's device, so a retry after a lost acknowledgement is recognised.
    client_id = models.UUIDField()
    body = EncryptedTextField(_("message"))
    sent_at = models.DateTimeField()
    # Marked by the sender: unread after the team's wait, it escalates (notify/urgent.py).
    urgent = models.BooleanField(default=False)

    class Meta:
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_retry_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.conversation_id}"
