"""The only writers of people, teams, roles, rope holders, the rota and tokens.

Each action checks what it needs, writes in one transaction and appends an audit entry.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound, parse_choice
from ropeteam.people import sessions, signals
from ropeteam.people.access import active_members, is_active_member, is_org_admin, require
from ropeteam.people.flow import (
    Grade,
    Permission,
    Role,
    Status,
    effective_availability,
    is_phone,
    until_for,
)
from ropeteam.people.models import (
    AccessToken,
    DutyShift,
    Invitation,
    Membership,
    Organisation,
    OrganisationAdmin,
    RopeHolder,
    Team,
    User,
)
from ropeteam.people.passwords import JOINING_ATTRIBUTE
from ropeteam.people.tokens import hash_secret, new_secret

MAX_ROPE_HOLDERS = 5
MAX_OUT_OF_HOURS_CONTACT = 200  # Organisation.out_of_hours_contact's max_length


def _parse_role(role: str) -> Role:
    return parse_choice(Role, role, field="role", label=_("role"))


def _parse_grade(grade: str) -> Grade:
    return parse_choice(Grade, grade, field="grade", label=_("grade"))


def _aware(moment: datetime) -> datetime:
    """Times typed without a zone are in the team's local time."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


# --- organisations, teams, accounts -------------------------------------------------------


def create_organisation(*, actor: User | None, name: str) -> Organisation:
    """Start an organisation (command line and demo only: there is no one above it)."""
    with transaction.atomic():
        organisation = Organisation.objects.create(name=name.strip())
        record(actor=actor, action="organisation.created", target=organisation, data={"name": name})
    return organisation


def grant_org_admin(*, actor: User | None, organisation: Organisation, user: User) -> None:
    """Make someone an organisation admin (command line and other org admins)."""
    with transaction.atomic():
        OrganisationAdmin.objects.get_or_create(organisation=organisation, user=user)
        user.is_staff = True  # the support admin site, limited to their organisation
        user.save(update_fields=["is_staff"])
        record(
            actor=actor,
            action="organisation.admin_granted",
            target=user,
            data={"organisation": organisation.pk},
        )


def set_out_of_hours(
    *,
    actor: User,
    organisation: Organisation,
    contact: str,
    email: str,
    person: User | None,
) -> Organisation:
    """Who the organisation's visit chains reach out of hours (an organisation admin)."""
    if not is_org_admin(actor, organisation.pk):
        raise NotFound(_("No such organisation."))
    contact, email = contact.strip(), email.strip().lower()
    if len(contact) > MAX_OUT_OF_HOURS_CONTACT:
        raise InvalidInput(_("Keep the contact under 200 characters."), field="contact")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InvalidInput(_("Enter a valid e-mail address."), field="email") from None
    if person is not None:
        in_organisation = Membership.objects.filter(
            user=person,
            team__organisation=organisation,
            removed_at__isnull=True,
            user__is_active=True,
        )
        if not in_organisation.exists():
            raise InvalidInput(
                _("The out-of-hours person must be an active member of this organisation."),
                field="person",
            )
    with transaction.atomic():
        row = Organisation.objects.select_for_update().get(pk=organisation.pk)
        row.out_of_hours_contact, row.out_of_hours_email = contact, email
        row.out_of_hours_person = person
        row.save(
            update_fields=["out_of_hours_contact", "out_of_hours_email", "out_of_hours_person"]
        )
        record(
            actor=actor,
            action="organisation.out_of_hours_changed",
            target=row,
            # Who, not their numbers: the audit log keeps no contact details.
            data={"person": person.pk if person is not None else None, "email_set": bool(email)},
        )
    return row


def password_reset_link(*, actor: User | None, user: User, base_url: str) -> str:
    """A link with which this person sets their own password (nobody else sets it for them).

    For an organisation admin (`actor`) the person must be in one of their teams; the command
    line passes None, and a break-glass superuser may make one for anybody. The link stops
    working once used, or once the password changes.
    """
    if actor is not None and not actor.is_superuser:
        organisations = OrganisationAdmin.objects.filter(user=actor).values("organisation_id")
        if not user.memberships.filter(team__organisation__in=organisations).exists():
            raise NotFound(_("No such account in this organisation."))
    if not user.is_active:
        raise InvalidInput(_("This account is deactivated: restore it first."))
    with transaction.atomic():
        record(actor=actor, action="account.reset_link_made", target=user)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{base_url.rstrip('/')}/reset/{uid}/{token}/"


def create_team(*, actor: User | None, organisation: Organisation, name: str) -> Team:
    """Add a team to an organisation."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("A team needs a name."), field="name")
    try:
        with transaction.atomic():
            team = Team.objects.create(organisation=organisation, name=name)
            record(
                actor=actor,
                action="team.created",
                target=team,
                team_id=team.pk,
                data={"name": name},
            )
    except IntegrityError:
        raise Conflict(
            _("This organisation already has a team called “%(name)s”.") % {"name": name},
            field="name",
        ) from None
    return team


def create_account(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    password: str | None,
    email: str = "",
    phone: str = "",
    joining: tuple[str, ...] = (),
) -> User:
    """A new person who can sign in; without a password they cannot until one is set.

    `joining` names the team and organisation they are joining, words their password must
    not contain (they have no membership yet to read them from)."""
    username = username.strip()
    if not username:
        raise InvalidInput(_("Choose a username."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            _("The username “%(username)s” is taken.") % {"username": username}, field="username"
        )
    user = User(username=username, display_name=display_name.strip(), email=email, phone=phone)
    if password is None:
        user.set_unusable_password()
    else:
        setattr(user, JOINING_ATTRIBUTE, joining)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages), field="password") from None
        user.set_password(password)
    with transaction.atomic():
        user.save()
        record(actor=actor, action="account.created", target=user, data={"username": username})
    return user


def set_account_active(
    *, actor: User, organisation: Organisation, user: User, is_active: bool
) -> None:
    """Deactivate an account (its sessions and tokens end for good; the record stays) or
    restore it (the person signs in afresh)."""
    in_organisation = user.memberships.filter(team__organisation=organisation).exists()
    if not in_organisation or not is_org_admin(actor, organisation.pk):
        raise NotFound(_("No such account in this organisation."))
    if user.pk == actor.pk and not is_active:
        raise InvalidInput(_("You cannot deactivate your own account."))
    if user.is_active == is_active:
        return
    with transaction.atomic():
        user.is_active = is_active
        user.save(update_fields=["is_active"])
        record(
            actor=actor,
            action="account.activated" if is_active else "account.deactivated",
            target=user,
            data={"organisation": organisation.pk},
        )
        if not is_active:
            # Deleted, not suspended: restoring the account later revives no session or token.
            sessions.end_everything(user=user)


# --- membership ---------------------------------------------------------------------------


def add_member(
    *, actor: User | None, team: Team, user: User, role: str, grade: str, profession: str = ""
) -> Membership:
    """Put a person in a team (by a lead, an org admin, the command line or an invitation)."""
    if actor is not None:
        require(actor, team, Permission.MANAGE_MEMBERS)
    if not user.is_active:
        raise InvalidInput(_("%(name)s's account is deactivated.") % {"name": user.name})
    role_value, grade_value = _parse_role(role), _parse_grade(grade)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                team=team,
                user=user,
                role=role_value,
                grade=grade_value,
                profession=profession.strip(),
                joined_at=timezone.now(),
            )
            record(
                actor=actor,
                action="member.added",
                target=user,
                team_id=team.pk,
                data={"role": role_value, "grade": grade_value},
            )
    except IntegrityError:
        raise Conflict(_("%(name)s is already in this team.") % {"name": user.name}) from None
    return membership


def _leads_left(team: Team, *, without: Membership) -> int:
    """How many other leads the team has; call inside a transaction, it locks the team row
    so two leads removing or demoting each other at once cannot both pass."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    return (
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True)
        .exclude(pk=without.pk)
        .count()
    )


def change_member(
    *,
    actor: User,
    membership: Membership,
    role: str | None = None,
    grade: str | None = None,
    profession: str | None = None,
) -> Membership:
    """Change a member's role, grade or profession."""
    require(actor, membership.team, Permission.MANAGE_MEMBERS)
    changes: dict[str, str] = {}
    with transaction.atomic():
        if role is not None and role != membership.role:
            new_role = _parse_role(role)
            if (
                membership.role == Role.LEAD
                and _leads_left(membership.team, without=membership) == 0
            ):
                raise InvalidInput(
                    _("A team needs a lead: make someone else lead before changing this role."),
                    field="role",
                )
            changes["role"] = membership.role = new_role
        if grade is not None and grade != membership.grade:
            changes["grade"] = membership.grade = _parse_grade(grade)
        if profession is not None and profession.strip() != membership.profession:
            changes["profession"] = membership.profession = profession.strip()
        if changes:
            membership.save(update_fields=list(changes))
            if "role" in changes:  # a role may allow less: open sockets check again
                _narrowed(membership.user_id)
            record(
                actor=actor,
                action="member.changed",
                target=membership.user,
                team_id=membership.team_id,
                data=changes,
            )
    return membership


def remove_member(*, actor: User, membership: Membership) -> None:
    """Take someone out of a team, with the rope they held and their future duty shifts."""
    require(actor, membership.team, Permission.MANAGE_MEMBERS)
    team, user = membership.team, membership.user
    now = timezone.now()
    with transaction.atomic():
        if membership.role == Role.LEAD and _leads_left(team, without=membership) == 0:
            raise InvalidInput(
                _("A team needs a lead: make someone else lead before removing them.")
            )
        membership.removed_at = now
        membership.save(update_fields=["removed_at"])
        dropped = list(
            RopeHolder.objects.filter(team=team, holder=user).values_list("worker_id", flat=True)
        )
        RopeHolder.objects.filter(team=team, holder=user).delete()
        RopeHolder.objects.filter(team=team, worker=user).delete()
        for worker_id in set(dropped):
            _renumber(team, worker_id)
        DutyShift.objects.filter(team=team, lead=user, starts_at__gte=now).delete()
        DutyShift.objects.filter(team=team, lead=user, ends_at__gt=now).update(ends_at=now)
        record(
            actor=actor,
            action="member.removed",
            target=user,
            team_id=team.pk,
            data={"rope_dropped_for": sorted(set(dropped))},
        )
        _narrowed(user.pk)


def _renumber(team: Team, worker_id: int) -> None:
    rows = list(RopeHolder.objects.filter(team=team, worker_id=worker_id).order_by("position"))
    RopeHolder.objects.filter(team=team, worker_id=worker_id).delete()
    RopeHolder.objects.bulk_create(
        RopeHolder(team=team, worker_id=worker_id, holder_id=r.holder_id, position=i)
        for i, r in enumerate(rows, start=1)
    )


# --- invitations --------------------------------------------------------------------------


def invite_member(
    *, actor: User, team: Team, role: str, grade: str, note: str = ""
) -> tuple[Invitation, str]:
    """Make a one-use link to join the team; returns the invitation and its secret token."""
    require(actor, team, Permission.MANAGE_MEMBERS)
    role_value, grade_value = _parse_role(role), _parse_grade(grade)
    raw = new_secret("inv")
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            team=team,
            role=role_value,
            grade=grade_value,
            note=note.strip()[:120],
            token_hash=hash_secret(raw),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(hours=settings.INVITATION_TTL_HOURS),
        )
        record(
            actor=actor,
            action="invitation.created",
            target=invitation,
            team_id=team.pk,
            data={"role": role_value, "grade": grade_value},
        )
    return invitation, raw


def find_invitation(raw: str) -> Invitation:
    """A usable invitation for this token, or a 404 that says nothing about why."""
    invitation = (
        Invitation.objects.select_related("team").filter(token_hash=hash_secret(raw)).first()
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= timezone.now()
    ):
        raise NotFound(
            _(
                "This invitation link has expired or was already used. "
                "Ask your team lead for a new one."
            )
        )
    return invitation


def accept_invitation(
    *, raw: str, username: str, display_name: str, password: str, phone: str = ""
) -> Membership:
    """Create an account from an invitation link and join its team."""
    with transaction.atomic():
        invitation = find_invitation(raw)
        # Lock the row: two people opening the same link at once must not both join.
        if (
            Invitation.objects.select_for_update()
            .filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True)
            .first()
            is None
        ):
            raise NotFound(_("This invitation link has expired or was already used."))
        team = invitation.team
        user = create_account(
            actor=None,
            username=username,
            display_name=display_name,
            password=password,
            phone=phone,
            joining=(team.name, team.organisation.name),
        )
        membership = Membership.objects.create(
            team=invitation.team,
            user=user,
            role=invitation.role,
            grade=invitation.grade,
            joined_at=timezone.now(),
        )
        invitation.accepted_by, invitation.accepted_at = user, timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        record(
            actor=user,
            action="invitation.accepted",
            target=invitation,
            team_id=invitation.team_id,
            data={"role": invitation.role},
        )
    return membership


def revoke_invitation(*, actor: User, invitation: Invitation) -> None:
    """Make an unused invitation link stop working."""
    require(actor, invitation.team, Permission.MANAGE_MEMBERS)
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(
            actor=actor, action="invitation.revoked", target=invitation, team_id=invitation.team_id
        )


# --- availability, rope holders, rota -----------------------------------------------------


def set_availability(*, actor: User, status: str, until: datetime | None = None) -> User:
    """Say whether I can be reached now, optionally until a time.

    A new status does not keep the previous one's "until" (`flow.until_for`)."""
    status_value = parse_choice(Status, status, field="status", label=_("availability"))
    now = timezone.now()
    before = effective_availability(
        Status(actor.availability_status), actor.availability_until, now
    )
    until = until_for(status_value, _aware(until) if until else None, before)
    if until is not None:
        if until <= now:
            raise InvalidInput(_("“Until” must be in the future."), field="until")
        if until > now + timedelta(days=31):
            raise InvalidInput(_("“Until” can be at most a month ahead."), field="until")
    with transaction.atomic():
        actor.availability_status, actor.availability_until = status_value, until
        actor.availability_set_at = now
        actor.save(
            update_fields=["availability_status", "availability_until", "availability_set_at"]
        )
        user_id = actor.pk
        transaction.on_commit(lambda: signals.availability_changed.send(None, user_id=user_id))
    return actor


def set_phone(*, actor: User, phone: str) -> User:
    """Set the number my rope holders call me on (blank: none)."""
    phone = " ".join(phone.split())
    if phone and not is_phone(phone):
        raise InvalidInput(
            _("A phone number has 6 to 20 digits, with spaces and a leading + if you like."),
            field="phone",
        )
    with transaction.atomic():
        actor.phone = phone
        actor.save(update_fields=["phone"])
        record(actor=actor, action="account.phone_set", target=actor)
    return actor


def set_verified_email(*, actor: User, email: str) -> User:
    """Make a proven address (or none, when blank) the one I am e-mailed at.

    Only notify calls this, once the address's own link was opened (or to remove it):
    whatever is here is e-mailed alerts, so it must never be an address nobody proved.
    """
    with transaction.atomic():
        actor.email = email
        actor.save(update_fields=["email"])
        # The address itself stays out of the audit log, which keeps only ids.
        record(actor=actor, action="account.email_set", target=actor, data={"set": bool(email)})
    return actor


def set_rope_holders(*, actor: User, team: Team, worker: User, holders: list[User]) -> None:
    """Set who holds a worker's rope, in the order they are tried."""
    require(actor, team, Permission.EDIT_ROPE_HOLDERS)
    ids = [h.pk for h in holders]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("Each colleague can hold the rope only once."), field="holders")
    if worker.pk in ids:
        raise InvalidInput(_("Nobody can hold their own rope."), field="holders")
    if len(ids) > MAX_ROPE_HOLDERS:
        raise InvalidInput(
            _("At most %(n)d rope holders.") % {"n": MAX_ROPE_HOLDERS}, field="holders"
        )
    if not is_active_member(worker.pk, team.pk):
        raise NotFound(_("No such member in this team."))
    if active_members(team.pk, ids) != set(ids):
        raise InvalidInput(_("Rope holders must be current members of the team."), field="holders")
    with transaction.atomic():
        before = list(
            RopeHolder.objects.filter(team=team, worker=worker).values_list("holder_id", flat=True)
        )
        RopeHolder.objects.filter(team=team, worker=worker).delete()
        RopeHolder.objects.bulk_create(
            RopeHolder(team=team, worker=worker, holder_id=h, position=i)
            for i, h in enumerate(ids, start=1)
        )
        record(
            actor=actor,
            action="rope.holders_set",
            target=worker,
            team_id=team.pk,
            data={"before": before, "after": ids},
        )
        added = [h for h in ids if h not in before]
        if added:
            signals.rope_holders_added.send(
                None, team_id=team.pk, worker_id=worker.pk, actor_id=actor.pk, holder_ids=added
            )


def add_duty_shift(
    *, actor: User | None, team: Team, lead: User, starts_at: datetime, ends_at: datetime
) -> DutyShift:
    """Put someone on the rota as duty lead for a stretch of time."""
    if actor is not None:
        require(actor, team, Permission.EDIT_ROTA)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if ends_at <= starts_at:
        raise InvalidInput(_("A shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(days=7):
        raise InvalidInput(_("A shift can last at most seven days."), field="ends_at")
    if not is_active_member(lead.pk, team.pk):
        raise InvalidInput(_("The duty lead must be a current member of the team."), field="lead")
    with transaction.atomic():
        # Lock the team row so two overlapping shifts cannot both pass the check.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        overlap = DutyShift.objects.filter(team=team, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if overlap.exists():
            raise Conflict(
                _("This overlaps another duty shift: there is one duty lead at a time."),
                field="starts_at",
            )
        shift = DutyShift.objects.create(team=team, lead=lead, starts_at=starts_at, ends_at=ends_at)
        record(
            actor=actor,
            action="rota.shift_added",
            target=shift,
            team_id=team.pk,
            data={"lead": lead.pk, "starts_at": starts_at, "ends_at": ends_at},
        )
    return shift


def remove_duty_shift(*, actor: User, shift: DutyShift) -> None:
    """Take a shift off the rota."""
    require(actor, shift.team, Permission.EDIT_ROTA)
    with transaction.atomic():
        record(
            actor=actor,
            action="rota.shift_removed",
            target=shift,
            team_id=shift.team_id,
            data={"lead": shift.lead_id, "starts_at": shift.starts_at},
        )
        shift.delete()


# --- access tokens ------------------------------------------------------------------------


def create_token(*, actor: User, name: str) -> tuple[AccessToken, str]:
    """A personal access token for the API; the raw token is shown once and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the token a name, e.g. the device it is for."), field="name")
    raw = new_secret("rt")
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=actor,
            name=name[:80],
            prefix=raw[:10],
            token_hash=hash_secret(raw),
            created_at=timezone.now(),
        )
        record(actor=actor, action="token.created", target=token, data={"name": name})
    return token, raw


def revoke_token(*, actor: User, token: AccessToken) -> None:
    """Make a token stop working at once."""
    if token.user_id != actor.pk:
        raise NotFound(_("No such token."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoked", target=token)
        _narrowed(actor.pk)


def _narrowed(user_id: int) -> None:
    """Once committed, tell listeners (open sockets) that this person may see less."""
    transaction.on_commit(lambda: signals.access_narrowed.send(None, user_id=user_id))


def authenticate_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=hash_secret(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Written at most once a minute, so a busy client does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
