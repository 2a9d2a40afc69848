"""The only door to a Thinking Together: those in it, those asked, and nobody else.

The team lead reads a session they were not in only when the help-seeker shared it for
supervision; anyone else, in the team or not, gets the 404 of a missing one.
"""

from django.utils.translation import gettext as _

from ropeteam.core.errors import NotFound
from ropeteam.people.access import AnyUser, access_team, current_membership
from ropeteam.people.flow import Permission, Role
from ropeteam.thinking.models import AgendaItem, Consultation


def access_consultation(user: AnyUser, consultation_id: int) -> Consultation:
    """A Thinking Together the person takes part in or was asked to help with."""
    consultation = (
        Consultation.objects.select_related("team", "case", "seeker", "helper")
        .filter(pk=consultation_id)
        .first()
    )
    if consultation is None or not user.is_authenticated:
        raise NotFound(_("No such Thinking Together."))
    membership = current_membership(user, consultation.team_id)
    if membership is None:
        raise NotFound(_("No such Thinking Together."))
    if user.pk in (consultation.seeker_id, consultation.helper_id):
        return consultation
    if consultation.others.filter(user_id=user.pk).exists():
        return consultation
    if consultation.asked.filter(user_id=user.pk).exists():
        return consultation
    if consultation.shared_for_supervision and membership.role == Role.LEAD:
        return consultation
    raise NotFound(_("No such Thinking Together."))


def is_in(user: AnyUser, consultation: Consultation) -> bool:
    """Whether the person is in the session (may read its notes), not just asked."""
    if not user.is_authenticated:
        return False
    if user.pk in (consultation.seeker_id, consultation.helper_id):
        return True
    return consultation.others.filter(user_id=user.pk).exists()


def access_agenda_item(user: AnyUser, item_id: int) -> AgendaItem:
    """An item for supervision or the team meeting, for the team's leads (others in the team
    get a 403; anyone else the 404 of a missing one)."""
    item = AgendaItem.objects.select_related("team").filter(pk=item_id).first()
    if item is None or not user.is_authenticated:
        raise NotFound(_("No such agenda item."))
    try:
        access_team(user, item.team_id, need=Permission.VIEW_ACTIVITY)
    except NotFound:
        raise NotFound(_("No such agenda item.")) from None
    return item
