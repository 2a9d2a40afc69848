"""The only door to a concern: the raiser and the colleague, and whoever it was escalated
to once it was. Anyone else, the team lead included before escalation, gets the 404 of a
concern that does not exist, so nobody can learn that one was raised.
"""

from django.utils.translation import gettext as _

from ropeteam.concerns.models import Concern
from ropeteam.core.errors import NotFound
from ropeteam.people.access import AnyUser, current_membership, is_org_admin
from ropeteam.people.flow import Grade
from ropeteam.people.models import Membership, Team

ABOVE_TEAM = (Grade.TEAM_LEAD.value, Grade.MANAGER.value)


def can_see(user: AnyUser, concern: Concern) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk in (concern.raiser_id, concern.colleague_id):
        return current_membership(user, concern.team_id) is not None
    if concern.escalated_at is None or user.pk != concern.escalate_to_id:
        return False
    # Whoever it went to may be above the team (the next person up): they keep it while
    # they are still in the team or still above it in the organisation.
    return current_membership(user, concern.team_id) is not None or is_above(user, concern.team)


def is_above(user: AnyUser, team: Team) -> bool:
    """An organisation admin, or a team lead or manager elsewhere in the organisation."""
    if not user.is_authenticated:
        return False
    if is_org_admin(user, team.organisation_id):
        return True
    return Membership.objects.filter(
        user=user,
        team__organisation_id=team.organisation_id,
        removed_at__isnull=True,
        grade__in=ABOVE_TEAM,
    ).exists()


def access_concern(user: AnyUser, concern_id: int) -> Concern:
    """A concern the person may see."""
    concern = (
        Concern.objects.select_related("team", "raiser", "colleague", "escalate_to", "case")
        .filter(pk=concern_id)
        .first()
    )
    if concern is None or not can_see(user, concern):
        raise NotFound(_("No such concern."))
    return concern
