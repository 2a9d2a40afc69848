from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One fact in the append-only log, chained to the one before by its hash.

    Database triggers (see the migration) refuse UPDATE and DELETE; `verify_chain` finds an
    entry changed or removed behind their back, and the newest entries removed (`head`).
    """

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    team_id = models.BigIntegerField(null=True, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Keyed entries (HMAC with the key named here, kept outside the database) carry their
    # place in the chain, so a checkpointed head names how many entries there must be.
    # Both are empty only on entries written before the chain was keyed.
    position = models.BigIntegerField(null=True)
    key_id = models.CharField(max_length=32, null=True)  # noqa: DJ001  empty is "unkeyed"

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"


class Auditor(models.Model):
    """Someone who reads an organisation's audit trail in the app (its data-protection
    officer, say). Granted by the organisation's admin; every search they make is itself an
    entry in the trail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("auditor")
        verbose_name_plural = _("auditors")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_auditor_row")
        ]

    def __str__(self) -> str:
        return f"{self.user} audits {self.organisation}"
