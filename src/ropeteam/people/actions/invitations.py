"""Invitations to join a team."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import NotFound
from ropeteam.people.access import require
from ropeteam.people.actions._common import _parse_grade, _parse_role
from ropeteam.people.actions.organisations import create_account
from ropeteam.people.flow import Permission
from ropeteam.people.models import Invitation, Membership, Team, User
from ropeteam.people.tokens import hash_secret, new_secret


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
