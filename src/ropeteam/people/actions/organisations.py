"""Organisations, teams and accounts."""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.people import sessions
from ropeteam.people.access import is_org_admin
from ropeteam.people.models import Membership, Organisation, OrganisationAdmin, Team, User
from ropeteam.people.passwords import JOINING_ATTRIBUTE

MAX_OUT_OF_HOURS_CONTACT = 200  # Organisation.out_of_hours_contact's max_length


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
