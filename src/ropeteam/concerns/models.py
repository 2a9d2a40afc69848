from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.concerns.flow import Level, Resolution, Response, State
from ropeteam.conversations.models import Conversation
from ropeteam.core.choices import choices_of
from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.models import Team
from ropeteam.thinking.models import Consultation


class Direction(models.TextChoices):
    """Where the colleague stands relative to the raiser's grade when it was raised."""

    UPWARD = "upward", _("upward")
    LEVEL = "level", _("level")
    DOWNWARD = "downward", _("downward")


class Concern(models.Model):
    """A concern one colleague raised with another: private to them until escalated."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="concerns")
    raiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_raised"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns_received"
    )
    # The team lead, or the next person up when the lead is the raiser or the colleague.
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField()
    level = models.PositiveSmallIntegerField(choices=choices_of(Level))
    state = models.CharField(max_length=16, choices=choices_of(State), default=State.RAISED.value)
    challenges = models.PositiveSmallIntegerField(default=0)
    # Each raise, step up or new challenge starts a round; a deadline only acts on its round.
    round = models.PositiveIntegerField(default=1)
    resent = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # the next deadline, if waiting
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=choices_of(Resolution), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="concern_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(raiser=models.F("colleague")), name="concern_not_with_oneself"
            ),
            models.CheckConstraint(
                condition=(Q(state=State.RESOLVED.value) & ~Q(resolution=""))
                | (~Q(state=State.RESOLVED.value) & Q(resolution="")),
                name="concern_resolution_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk}"

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None


class Entry(models.Model):
    """One turn of the exchange, in order: what was raised, answered, re-sent, escalated."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("raised")
        STEPPED_UP = "stepped_up", _("stepped up")
        CHALLENGED = "challenged", _("challenged again")
        RESPONDED = "responded", _("responded")
        RESENT = "resent", _("re-sent")
        ESCALATED = "escalated", _("escalated")
        RESOLVED = "resolved", _("resolved")

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(choices=choices_of(Level))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    # The structure of a concern (raised, stepped up, challenged again); encrypted.
    noticed = EncryptedTextField(_("what I noticed"), blank=True)
    matters = EncryptedTextField(_("why it matters to me"), blank=True)
    suggest = EncryptedTextField(_("what I suggest"), blank=True)
    asking = EncryptedTextField(_("what I am asking of you"), blank=True)
    # A response, or the resolution, with its words.
    response = models.CharField(max_length=16, choices=choices_of(Response), blank=True)
    resolution = models.CharField(max_length=16, choices=choices_of(Resolution), blank=True)
    text = EncryptedTextField(_("reply"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.concern}"


class Times(models.Model):
    """A team's settings for concerns: each level's time to answer, and the next person up."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    probe_seconds = models.PositiveIntegerField()
    alert_seconds = models.PositiveIntegerField()
    challenge_seconds = models.PositiveIntegerField()
    escalate_seconds = models.PositiveIntegerField()
    # Who a concern goes to when the team lead is the one it is about (or raised it).
    next_up = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"concern times of {self.team}"
