from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.conversations.models import Conversation
from ropeteam.core.choices import choices_of
from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.models import Team
from ropeteam.thinking.flow import (
    AgendaKind,
    Circle,
    Met,
    Mode,
    NextStep,
    State,
    Step,
    Task,
    Urgency,
)


class Consultation(models.Model):
    """One Thinking Together: the request, the session and its outcome."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="consultations")
    seeker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations_sought"
    )
    created_at = models.DateTimeField()
    # Step 1, Mark the task.
    task = models.CharField(_("what I want from this"), max_length=16, choices=choices_of(Task))
    task_note = EncryptedTextField(_("in one sentence"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=choices_of(Urgency))
    mode = models.CharField(_("how"), max_length=16, choices=choices_of(Mode))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True)
    steadiness_before = models.PositiveSmallIntegerField(null=True, blank=True)
    # Where it stands.
    state = models.CharField(
        max_length=16, choices=choices_of(State), default=State.REQUESTED.value
    )
    circle = models.PositiveSmallIntegerField(choices=choices_of(Circle))
    widen_at = models.DateTimeField(null=True, blank=True)  # the next deadline, if waiting
    duty_lead_alerted_at = models.DateTimeField(null=True, blank=True)
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations_helped",
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    step = models.PositiveSmallIntegerField(choices=choices_of(Step), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Step 4, Return to purpose.
    met = models.CharField(max_length=8, choices=choices_of(Met), blank=True)
    product = EncryptedTextField(_("the decision or understanding"), blank=True)
    next_step = models.CharField(max_length=16, choices=choices_of(NextStep), blank=True)
    steadiness_after = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    shared_for_supervision = models.BooleanField(default=False)
    is_quick_record = models.BooleanField(default=False)
    # Widening the quorum closes this one with its outcome and carries on in a follow-up.
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="followed_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="consultation_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(steadiness_before__lte=10) & Q(steadiness_after__lte=10),
                name="consultation_steadiness_range",
            ),
            # Waiting means nobody has accepted; under way or closed means someone has.
            models.CheckConstraint(
                condition=(Q(state=State.REQUESTED.value) & Q(helper__isnull=True))
                | (Q(state__in=[State.ACTIVE.value, State.CLOSED.value]) & Q(helper__isnull=False))
                | Q(state=State.CANCELLED.value),
                name="consultation_helper_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return f"Thinking Together {self.pk}"


class Asked(models.Model):
    """A colleague asked to help, and what they answered."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="asked")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    circle = models.PositiveSmallIntegerField(choices=choices_of(Circle))
    asked_at = models.DateTimeField()
    declined_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True)
    later_at = models.DateTimeField(_("I could do it at"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="asked_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} asked for {self.consultation}"


class Participant(models.Model):
    """Someone invited into a group session beyond the help-seeker and the helper."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="others")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="in_consultation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.consultation}"


class StepChange(models.Model):
    """The step history: who moved the session to which step, when."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(choices=choices_of(Step))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"step {self.step} of {self.consultation}"


class AgreedAction(models.Model):
    """An action agreed at step 4: it stays on its owner's home screen until done."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreed_actions"
    )
    what = EncryptedTextField(_("what"))
    due_at = models.DateTimeField(_("by when"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"action {self.pk} of {self.consultation}"


class Waits(models.Model):
    """How long each circle is given before a request widens, set per team."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="thinking_waits")
    now_seconds = models.PositiveIntegerField()
    within_hour_seconds = models.PositiveIntegerField()
    today_seconds = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"waits for {self.team}"


class AgendaItem(models.Model):
    """A Thinking Together whose next step is formal supervision or the next team meeting: the
    team lead sees it listed until they mark it taken (a later issue makes agendas of them).

    No words of its own: what it is about is the consultation's task sentence, kept encrypted
    there and read only as the consultation's access rules allow.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agenda_items")
    kind = models.CharField(max_length=16, choices=choices_of(AgendaKind))
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="agenda_items"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # An outcome is recorded once, so a consultation raises one item at most.
            models.UniqueConstraint(fields=["consultation"], name="agenda_item_once"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in AgendaKind]), name="agenda_item_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} item {self.pk}"
