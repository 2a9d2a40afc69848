from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.flow import AgeBand, RiskLevel
from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.models import Team

RISK_CHOICES = [(r.value, r.name) for r in RiskLevel]


class Case(models.Model):
    """A pseudonymised young person: never a name, address or date of birth."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(_("team reference"), max_length=24)
    initials = models.CharField(_("initials"), max_length=3)
    age_band = models.CharField(
        _("age band"), max_length=8, choices=[(a.value, a.name) for a in AgeBand]
    )
    risk_level = models.CharField(_("risk level"), max_length=8, choices=RISK_CHOICES)
    keyworkers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cases", blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "reference"], name="case_reference_unique_in_team"
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=[r.value for r in RiskLevel]), name="case_risk_valid"
            ),
            models.CheckConstraint(
                condition=Q(age_band__in=[a.value for a in AgeBand]), name="case_age_band_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RiskChange(models.Model):
    """Who changed a case's risk level, when, and why (the reason is encrypted at rest)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()
    from_level = models.CharField(max_length=8, choices=RISK_CHOICES, blank=True)
    to_level = models.CharField(max_length=8, choices=RISK_CHOICES)
    reason = EncryptedTextField(_("reason"))

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_level or 'new'} → {self.to_level}"
