"""Who a concern goes to when it escalates: the team lead, the next person up."""

from ropeteam.concerns.access import ABOVE_TEAM, is_above
from ropeteam.concerns.models import Times
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, OrganisationAdmin, Team, User


def next_up_id(team: Team) -> int | None:
    own = Times.objects.filter(team=team).first()
    return own.next_up_id if own is not None else None


def next_up_choices(team: Team) -> list[User]:
    """Who may be the next person up: the organisation's admins and its teams' members
    graded team lead or above, outside this team's own leads."""
    ids = set(
        OrganisationAdmin.objects.filter(organisation_id=team.organisation_id).values_list(
            "user_id", flat=True
        )
    ) | set(
        Membership.objects.filter(
            team__organisation_id=team.organisation_id,
            removed_at__isnull=True,
            grade__in=ABOVE_TEAM,
        )
        .exclude(team=team)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk"))


def escalation_target(team: Team, raiser_id: int, colleague_id: int) -> int | None:
    """The team lead; when the lead is one of the two, the next person up (configured), then
    an organisation admin. Seniority never blocks a concern."""
    involved = {raiser_id, colleague_id}
    leads = Membership.objects.filter(
        team=team, role=Role.LEAD, removed_at__isnull=True, user__is_active=True
    ).order_by("joined_at", "pk")
    for user_id in leads.values_list("user_id", flat=True):
        if user_id not in involved:
            return user_id
    own = Times.objects.filter(team=team).select_related("next_up").first()
    up = own.next_up if own is not None else None
    if up is not None and up.is_active and up.pk not in involved and is_above(up, team):
        return up.pk
    admins = OrganisationAdmin.objects.filter(
        organisation_id=team.organisation_id, user__is_active=True
    ).order_by("pk")
    for user_id in admins.values_list("user_id", flat=True):
        if user_id not in involved:
            return user_id
    return None
