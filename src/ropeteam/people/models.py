from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from ropeteam.core.crypto import EncryptedTextField
from ropeteam.people.flow import Grade, Role, Status


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    # Whoever is called when a team's own chain runs out, e.g. out of hours.
    out_of_hours_contact = models.CharField(_("out-of-hours contact"), max_length=200, blank=True)
    # When a visit's chain reaches its top step, this address is e-mailed, and the person (if
    # the contact has an account) alerted on their own channels, until someone acknowledges.
    out_of_hours_email = models.EmailField(_("out-of-hours e-mail"), blank=True)
    out_of_hours_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("out-of-hours person"),
        help_text=_("If the out-of-hours contact has an account: alerted by push or e-mail."),
    )
    # A second factor compulsory for everyone whose role sees case content (people/queries.py
    # `must_set_up_factor`), counted from when it was switched on plus the grace days.
    second_factor_required_since = models.DateTimeField(
        _("second factor required since"), null=True, blank=True
    )
    second_factor_grace_days = models.PositiveSmallIntegerField(
        _("days to set up a second factor"), default=14
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    availability_status = models.CharField(
        _("availability"),
        max_length=16,
        choices=[(s.value, s.name) for s in Status],
        default=Status.OFF_SHIFT,
    )
    availability_until = models.DateTimeField(_("until"), null=True, blank=True)
    availability_set_at = models.DateTimeField(null=True, blank=True)
    # Raised to end every session of the person (deactivation): a session is valid only
    # while its stored hash matches, so restoring the account later revives none of them.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # An organisation admin removed this person's factors (a lost phone): they must set one
    # up at their next sign-in, whatever the policy's grace period says.
    factor_setup_required = models.BooleanField(default=False, editable=False)

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django keeps a session only while this hash (of the password hash) is unchanged,
        # so a new password already ends the others; the epoch ends them all without one.
        key_salt = "ropeteam.people.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class OrganisationAdmin(models.Model):
    """An organisation role: runs teams and accounts across one organisation."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="admins")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="org_admin_roles"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="org_admin_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} administers {self.organisation}"


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=[(r.value, r.name) for r in Role])
    grade = models.CharField(_("grade"), max_length=24, choices=[(g.value, g.name) for g in Grade])
    profession = models.CharField(_("profession"), max_length=80, blank=True)
    joined_at = models.DateTimeField(_("joined"))
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        constraints = [
            # One current membership per person and team; past ones stay for the record.
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(removed_at__isnull=True),
                name="one_current_membership",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=[g.value for g in Grade]), name="membership_grade_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class RopeHolder(models.Model):
    """A colleague who holds a worker's rope, at a place in the order they are tried."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rope_holders"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ropes_held"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "worker", "position"], name="rope_position_unique"
            ),
            models.UniqueConstraint(fields=["team", "worker", "holder"], name="rope_holder_once"),
            models.CheckConstraint(condition=~Q(worker=F("holder")), name="rope_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.holder} holds {self.worker}'s rope (#{self.position})"


class DutyShift(models.Model):
    """A stretch of time during which one member is the team's duty lead."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="duty_shifts")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["team", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead} on duty {self.starts_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """A one-use link to join a team; only its hash is stored."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=16, choices=[(r.value, r.name) for r in Role])
    grade = models.CharField(max_length=24, choices=[(g.value, g.name) for g in Grade])
    note = models.CharField(_("for"), max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Invitation to {self.team} ({self.role})"


class AccessToken(models.Model):
    """A personal access token for the API; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SignInThrottle(models.Model):
    """Failed sign-ins for one account or one address, and how long it is held back
    (`people/signin.py`). In the database, so every server process sees the same counts."""

    key = models.CharField(max_length=200, unique=True)  # "account:<id>" or "address:<ip>"
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    # How many holds in a row: each doubles the next, up to the cap.
    holds = models.PositiveIntegerField(default=0)
    held_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class SignedInSession(models.Model):
    """One signed-in session of a person, for "My devices": Django's session store cannot
    find a person's sessions. Written at sign-in and removed when the session ends
    (`people/sessions.py`). The key itself is never stored: only its SHA-256, and its first
    few characters to find the store's row (the rest keeps well over 100 bits unguessed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    # Moved at most once a minute, with the session's own expiry (web/middleware.py).
    last_seen_at = models.DateTimeField()
    user_agent = models.CharField(max_length=300, blank=True)
    # The network, never the address: "203.0.113.0/24" or an IPv6 /48.
    address = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.user} signed in at {self.created_at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A person's authenticator app (RFC 6238), usable once confirmed with a code from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    key = EncryptedTextField()  # hex, as django-otp's TOTP takes it; encrypted at rest
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step accepted: a code is never accepted twice (replay).
    last_step = models.BigIntegerField(default=-1)

    def __str__(self) -> str:
        return f"Authenticator app of {self.user}"


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator app is lost; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class Passkey(models.Model):
    """A WebAuthn credential (discoverable, user-verifying): signs the person in alone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(_("name"), max_length=80)
    credential_id = models.CharField(max_length=1400, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
