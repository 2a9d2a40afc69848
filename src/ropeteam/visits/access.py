"""The only door to a field visit: the worker, whoever holds or was asked to hold the rope,
whoever an escalation told, and the team's leads. Anyone else gets the 404 of a missing one.
"""

from django.utils.translation import gettext as _

from ropeteam.core.errors import NotFound
from ropeteam.people.access import AnyUser, current_membership
from ropeteam.people.flow import Role
from ropeteam.people.models import User
from ropeteam.visits.models import Escalation, Visit


def access_visit(user: AnyUser, visit_id: int) -> Visit:
    """A visit the person is concerned with, while they are in its team."""
    visit = Visit.objects.select_related(
        "team__organisation", "worker", "rope_holder", "case"
    ).filter(pk=visit_id)
    found = visit.first()
    if found is None or not user.is_authenticated:
        raise NotFound(_("No such visit."))
    told = any(user.pk in e.told for e in found.escalations.all())
    membership = current_membership(user, found.team_id)
    if membership is None:
        # The organisation's out-of-hours contact, alerted by the chain's top step, acts on
        # it like anyone told, from outside the team.
        if told and found.team.organisation.out_of_hours_person_id == user.pk:
            return found
        raise NotFound(_("No such visit."))
    if user.pk in (found.worker_id, found.rope_holder_id) or membership.role == Role.LEAD:
        return found
    if told:
        return found
    raise NotFound(_("No such visit."))


def access_escalation(user: AnyUser, escalation_id: int) -> Escalation:
    """An alert of a visit the person may see."""
    escalation = Escalation.objects.filter(pk=escalation_id).first()
    if escalation is None:
        raise NotFound(_("No such alert."))
    try:
        access_visit(user, escalation.visit_id)
    except NotFound:
        raise NotFound(_("No such alert.")) from None
    return escalation


def leads_for(user: User, visit: Visit) -> bool:
    """A lead of the visit's team, and not the worker on it."""
    membership = current_membership(user, visit.team_id)
    return membership is not None and membership.role == Role.LEAD and user.pk != visit.worker_id


def may_take(user: User, visit: Visit, escalation: Escalation) -> bool:
    """Who may say "I'm on it" and record what happened: whoever the alert told, or a lead of
    the team other than the worker. A lead's board shows every open visit, and a lead who
    sees someone overdue must not have to wait for the chain to reach them."""
    return user.pk in escalation.told or leads_for(user, visit)
