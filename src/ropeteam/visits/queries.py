"""Reads of field visits: who is out now."""

from django.db.models import Q, QuerySet

from ropeteam.audit.log import record_read
from ropeteam.people.access import current_membership
from ropeteam.people.flow import Role
from ropeteam.people.models import Team, User
from ropeteam.visits.flow import State
from ropeteam.visits.models import Visit


def out_now(viewer: User, team: Team) -> QuerySet[Visit]:
    """Open visits, overdue first: all of the team's for a lead, else the ones I am on or
    hold the rope for."""
    visits = Visit.objects.filter(team=team).exclude(state=State.ENDED)
    membership = current_membership(viewer, team.pk)
    if membership is None or membership.role != Role.LEAD:
        visits = visits.filter(Q(worker=viewer) | Q(rope_holder=viewer))
    return (
        visits.select_related("worker", "rope_holder", "case")
        .prefetch_related("escalations")
        .order_by("expected_end", "id")
    )


def view_visit(*, viewer: User, visit: Visit) -> Visit:
    """One visit with its alerts; reading one linked to a case is audited."""
    if visit.case_id is not None:
        record_read(
            actor=viewer,
            action="visits.viewed",
            target=visit,
            team_id=visit.team_id,
            data={"case": visit.case_id},
        )
    return visit
