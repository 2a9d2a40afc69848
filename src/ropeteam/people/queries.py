"""Read paths for teams and ropes, scoped by the access functions that call them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from ropeteam.people.flow import (
    Availability,
    Grade,
    Permission,
    Role,
    Status,
    effective_availability,
    role_allows,
)
from ropeteam.people.models import (
    AccessToken,
    DutyShift,
    Invitation,
    Membership,
    Organisation,
    Passkey,
    RecoveryCode,
    RopeHolder,
    SignedInSession,
    Team,
    TotpDevice,
    User,
)


def availability_of(user: User, now: datetime | None = None) -> Availability:
    return effective_availability(
        Status(user.availability_status), user.availability_until, now or timezone.now()
    )


@dataclass(frozen=True)
class Colleague:
    user: User
    role: Role
    grade: Grade
    profession: str
    availability: Availability


def colleague(membership: Membership, now: datetime) -> Colleague:
    return Colleague(
        user=membership.user,
        role=Role(membership.role),
        grade=Grade(membership.grade),
        profession=membership.profession,
        availability=availability_of(membership.user, now),
    )


def teams_for(user: User) -> list[Team]:
    """Teams the person belongs to, then those their organisation role lets them run."""
    return list(
        Team.objects.filter(
            Q(memberships__user=user, memberships__removed_at__isnull=True)
            | Q(organisation__admins__user=user)
        )
        .select_related("organisation")
        .distinct()
        .order_by("organisation__name", "name")
    )


def current_members(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team, removed_at__isnull=True)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )


def list_team(team: Team, now: datetime | None = None) -> list[Colleague]:
    """Everyone in the team with their availability now."""
    now = now or timezone.now()
    return [colleague(m, now) for m in current_members(team)]


def duty_lead_at(team: Team, at: datetime) -> User | None:
    shift = (
        DutyShift.objects.filter(team=team, starts_at__lte=at, ends_at__gt=at)
        .select_related("lead")
        .first()
    )
    return shift.lead if shift else None


def duty_rota(team: Team, start: datetime, end: datetime) -> QuerySet[DutyShift]:
    """Shifts overlapping [start, end), in order."""
    return DutyShift.objects.filter(team=team, ends_at__gt=start, starts_at__lt=end).select_related(
        "lead"
    )


@dataclass(frozen=True)
class Rope:
    """Who holds a worker's rope right now: their holders in order, and the duty lead."""

    worker: User
    holders: list[Colleague]
    duty_lead: Colleague | None
    first_available: Colleague | None


def rope_for(team: Team, worker: User, now: datetime | None = None) -> Rope:
    now = now or timezone.now()
    members = {m.user_id: m for m in current_members(team)}
    holder_ids = list(
        RopeHolder.objects.filter(team=team, worker=worker).values_list("holder_id", flat=True)
    )
    holders = [colleague(members[h], now) for h in holder_ids if h in members]
    lead = duty_lead_at(team, now)
    duty = colleague(members[lead.pk], now) if lead and lead.pk in members else None
    first = next((c for c in holders if c.availability.status == Status.AVAILABLE), None)
    return Rope(worker=worker, holders=holders, duty_lead=duty, first_available=first)


def available_member_ids(team: Team, now: datetime) -> set[int]:
    """Who in the team is available now: ids only, for deadlines that ask a whole team."""
    rows = Membership.objects.filter(team=team, removed_at__isnull=True).values_list(
        "user_id", "user__availability_status", "user__availability_until"
    )
    return {
        user_id
        for user_id, status, until in rows
        if effective_availability(Status(status), until, now).status == Status.AVAILABLE
    }


def current_rope_holder_ids(team: Team, worker: User) -> set[int]:
    """Who holds this worker's rope and is still in the team: ids only."""
    return set(
        RopeHolder.objects.filter(
            team=team,
            worker=worker,
            holder__memberships__team=team,
            holder__memberships__removed_at__isnull=True,
        ).values_list("holder_id", flat=True)
    )


def rope_holder_ids(team: Team, worker: User) -> list[int]:
    return list(
        RopeHolder.objects.filter(team=team, worker=worker).values_list("holder_id", flat=True)
    )


def pending_invitations(team: Team, now: datetime | None = None) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        team=team,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).order_by("-created_at")


def tokens_for(user: User) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")


def get_shift(team: Team, shift_id: int) -> DutyShift | None:
    """One shift on the team's rota."""
    return DutyShift.objects.filter(team=team, pk=shift_id).select_related("team", "lead").first()


def administered_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations whose teams the person runs as an organisation admin."""
    return Organisation.objects.filter(admins__user=user).order_by("name")


def list_users(ids: Iterable[int]) -> list[User]:
    """These accounts, by name: for saying who was told (ids with no account are left out)."""
    return list(User.objects.filter(pk__in=list(ids)).order_by("display_name"))


def get_token(user: User, token_id: int) -> AccessToken | None:
    """One of my tokens that still works."""
    return tokens_for(user).filter(pk=token_id).first()


def get_invitation(team: Team, invitation_id: int) -> Invitation | None:
    """One of the team's invitations still waiting to be used."""
    return pending_invitations(team).filter(pk=invitation_id).first()


def organisation_named(name: str) -> Organisation | None:
    """The organisation of this name, for the command line (which names, not numbers, it)."""
    return Organisation.objects.filter(name=name).first()


def active_user_named(username: str) -> User | None:
    """The active account with this username, for the command line."""
    return User.objects.filter(username=username, is_active=True).first()


def team_ids_of_organisations(organisation_ids: Iterable[int]) -> list[int]:
    return list(
        Team.objects.filter(organisation_id__in=list(organisation_ids)).values_list("pk", flat=True)
    )


def user_id_in_teams(username: str, team_ids: Iterable[int]) -> int | None:
    """The id of the person with this username who is or was in one of these teams."""
    return (
        Membership.objects.filter(user__username=username, team_id__in=list(team_ids))
        .values_list("user_id", flat=True)
        .first()
    )


# last_seen_at moves at most once a minute.
SEEN_SLACK = timedelta(minutes=2)


def signed_in_sessions(user: User) -> QuerySet[SignedInSession]:
    """The person's sessions that may still stand: used within the idle time, started within
    the absolute lifetime (an expired one may leave its row until the next sign-in)."""
    now = timezone.now()
    idle = timedelta(seconds=settings.SESSION_IDLE_SECONDS) + SEEN_SLACK
    return SignedInSession.objects.filter(
        user=user,
        last_seen_at__gte=now - idle,
        created_at__gte=now - timedelta(seconds=settings.SESSION_MAX_SECONDS),
    ).order_by("-last_seen_at")


def get_signed_in_session(user: User, session_id: int) -> SignedInSession | None:
    """One of my sessions that may still stand."""
    return signed_in_sessions(user).filter(pk=session_id).first()


def member_ids_of_teams(team_ids: Iterable[int]) -> list[int]:
    """Everyone who is or was in these teams."""
    return list(
        Membership.objects.filter(team_id__in=list(team_ids))
        .values_list("user_id", flat=True)
        .distinct()
    )


# --- second factors -------------------------------------------------------------------------

# The roles whose members see case content: the ones a second-factor policy covers.
CASE_ROLES = [r.value for r in Role if role_allows(r, Permission.VIEW_CASES)]


@dataclass(frozen=True)
class Factors:
    """What a person signs in with beyond their password."""

    has_totp: bool
    passkeys: list[Passkey]
    recovery_codes_left: int

    @property
    def any(self) -> bool:
        return self.has_totp or bool(self.passkeys)


def factors_of(user: User) -> Factors:
    return Factors(
        has_totp=TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists(),
        passkeys=list(user.passkeys.order_by("created_at")),
        recovery_codes_left=RecoveryCode.objects.filter(user=user, used_at__isnull=True).count(),
    )


def has_factor(user: User) -> bool:
    """Whether the person has an authenticator app or a passkey to sign in with."""
    confirmed = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False)
    return confirmed.exists() or Passkey.objects.filter(user=user).exists()


def factor_deadline(user: User) -> datetime | None:
    """When the person must have a second factor by: at once after an admin's reset;
    otherwise the end of the grace period of an organisation whose policy covers one of
    their current roles (counted from the policy or their joining, whichever is later)."""
    if user.factor_setup_required:
        return user.date_joined
    covered = Membership.objects.filter(
        user=user,
        removed_at__isnull=True,
        role__in=CASE_ROLES,
        team__organisation__second_factor_required_since__isnull=False,
    ).values_list(
        "joined_at",
        "team__organisation__second_factor_required_since",
        "team__organisation__second_factor_grace_days",
    )
    deadlines = [
        max(joined, since) + timedelta(days=days)
        for joined, since, days in covered
        if since is not None  # filtered above; the type does not know
    ]
    return min(deadlines, default=None)


def must_set_up_factor(user: User, now: datetime | None = None) -> bool:
    """Whether the person may do nothing but set up a second factor (policy, or a reset)."""
    deadline = factor_deadline(user)
    if deadline is None or deadline > (now or timezone.now()):
        return False
    return not has_factor(user)


def passkey_by_credential(credential_id: str) -> Passkey | None:
    """The passkey a browser names at sign-in, with its person."""
    return (
        Passkey.objects.select_related("user")
        .filter(credential_id=credential_id, user__is_active=True)
        .first()
    )


def totp_being_set_up(user: User) -> str | None:
    """The key of the person's authenticator app not yet confirmed, for the set-up page."""
    key: str | None = (
        TotpDevice.objects.filter(user=user, confirmed_at__isnull=True)
        .values_list("key", flat=True)
        .first()
    )
    return key


def active_account(user_id: int) -> User | None:
    """The account with this id, if it may sign in."""
    return User.objects.filter(pk=user_id, is_active=True).first()
