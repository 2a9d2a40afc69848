"""The only door to team data on a person's behalf.

A team the person does not belong to looks exactly like one that does not exist (404); a
team they belong to but lack the role for gives 403.
"""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from ropeteam.core.errors import Forbidden, NotFound
from ropeteam.people.flow import ORG_ADMIN_PERMISSIONS, Permission, Role, role_allows
from ropeteam.people.models import Membership, Organisation, Team, User

AnyUser = User | AnonymousUser


def current_membership(user: AnyUser, team_id: int) -> Membership | None:
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        Membership.objects.select_related("team")
        .filter(user=user, team_id=team_id, removed_at__isnull=True)
        .first()
    )


def active_members(team_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of these people (by id) are current members of the team with an account that
    is not deactivated: the one check for every "choose a colleague" path.

    It reads the rows: a `User(pk=id)` made up for `current_membership` would count as
    active whatever the account says.
    """
    return set(
        Membership.objects.filter(
            team_id=team_id,
            user_id__in=set(user_ids),
            removed_at__isnull=True,
            user__is_active=True,
        ).values_list("user_id", flat=True)
    )


def active_membership(user_id: int, team_id: int) -> Membership | None:
    """This person's current membership of the team (by id), if their account is active."""
    return Membership.objects.filter(
        team_id=team_id, user_id=user_id, removed_at__isnull=True, user__is_active=True
    ).first()


def is_active_member(user_id: int, team_id: int) -> bool:
    """Whether this person (by id) is a current member of the team, account active."""
    return bool(active_members(team_id, [user_id]))


def is_org_admin(user: AnyUser, organisation_id: int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.org_admin_roles.filter(organisation_id=organisation_id).exists()


def can(user: AnyUser, team: Team, permission: Permission) -> bool:
    """Whether the person may do this in the team, by team role or organisation role."""
    membership = current_membership(user, team.pk)
    if membership is not None and role_allows(Role(membership.role), permission):
        return True
    return permission in ORG_ADMIN_PERMISSIONS and is_org_admin(user, team.organisation_id)


def require(user: AnyUser, team: Team, permission: Permission) -> None:
    """For actions: refuse (403) what the person's roles do not allow in this team."""
    if not can(user, team, permission):
        raise Forbidden(_("Your role in this team does not allow that."))


def access_team(user: AnyUser, team_id: int, *, need: Permission = Permission.VIEW_TEAM) -> Team:
    """The team, if the person may see it and has `need` there."""
    team = Team.objects.select_related("organisation").filter(pk=team_id).first()
    if team is None or not can(user, team, Permission.VIEW_TEAM):
        raise NotFound(_("No such team."))
    if not can(user, team, need):
        raise Forbidden(_("Your role in this team does not allow that."))
    return team


def access_member(
    user: AnyUser, team_id: int, member_id: int, *, need: Permission = Permission.VIEW_TEAM
) -> Membership:
    """A current member of a team the person may see, if they have `need` there."""
    team = access_team(user, team_id, need=need)
    membership = (
        Membership.objects.select_related("user", "team")
        .filter(team=team, user_id=member_id, removed_at__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such member in this team."))
    return membership


def access_organisation(user: AnyUser, organisation_id: int) -> Organisation:
    """An organisation the person administers."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None or not is_org_admin(user, organisation.pk):
        raise NotFound(_("No such organisation."))
    return organisation
