from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.core.choices import choices_of
from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.models import Team
from ropeteam.visits.flow import State, Step

ALARM = 9  # the alarm is stored as a step of its own, outside the chain's order


class Visit(models.Model):
    """A worker out on a field visit, with the rope holder who knows she went."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="visits")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True)
    # Never shown in notifications; encrypted at rest.
    location = EncryptedTextField(_("where"))
    note = EncryptedTextField(_("a note for your rope holder"), blank=True)
    rope_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visit_ropes",
    )
    state = models.CharField(max_length=16, choices=choices_of(State))
    # When the current rope holder was asked; if they have not accepted within a few
    # minutes the next one is asked (None once nobody is left to ask).
    rope_asked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    expected_end = models.DateTimeField()
    # The chain's offsets from the expected end, copied from the team's settings at start.
    chain_seconds = models.JSONField()
    round = models.PositiveIntegerField(default=1)
    alarm_at = models.DateTimeField(null=True, blank=True)
    last_check_in = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expected_end", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in State]), name="visit_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state=State.ENDED.value, ended_at__isnull=False)
                | (~Q(state=State.ENDED.value) & Q(ended_at__isnull=True)),
                name="visit_ended_at_when_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk}"


class Escalation(models.Model):
    """One step of a visit's chain (or its alarm) that fired: who was told, how, and who
    acknowledged and resolved it."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="escalations")
    round = models.PositiveIntegerField()
    step = models.PositiveSmallIntegerField(choices=[*choices_of(Step), (ALARM, "ALARM")])
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField()
    told = models.JSONField(default=list)  # user ids
    channels = models.JSONField(default=list)  # "in_app", "push", "email"
    out_of_hours = models.CharField(max_length=200, blank=True)  # who to phone, if reached
    # The top step alerts everyone told again until someone acknowledges: how often so far.
    repeats = models.PositiveIntegerField(default=0)
    alerted_again_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Acknowledged by the organisation's out-of-hours contact through the e-mailed link: a
    # human, but one without an account, so `acknowledged_by` stays empty (`visits.links`).
    acknowledged_by_out_of_hours_email = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = EncryptedTextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["fired_at", "step", "id"]
        constraints = [
            # No step fires twice: the database refuses a second row for the same step.
            models.UniqueConstraint(fields=["visit", "round", "step"], name="step_fires_once"),
        ]

    def __str__(self) -> str:
        return f"step {self.step} of {self.visit}"


class ChainSettings(models.Model):
    """A team's own escalation times (minutes after the expected end)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="visit_chain")
    prompt_seconds = models.PositiveIntegerField()
    rope_holder_seconds = models.PositiveIntegerField()
    duty_lead_seconds = models.PositiveIntegerField()
    team_lead_seconds = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"visit chain of {self.team}"
