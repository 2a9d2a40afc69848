"""After a session: sharing it for supervision, agenda items taken, actions done."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, Forbidden, NotFound
from ropeteam.people.access import current_membership, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import User
from ropeteam.thinking.flow import State
from ropeteam.thinking.models import AgendaItem, AgreedAction, Consultation


def mark_taken(*, actor: User, item: AgendaItem) -> AgendaItem:
    """The lead has taken an item to supervision or the team meeting: it leaves their list."""
    require(actor, item.team, Permission.VIEW_ACTIVITY)
    with transaction.atomic():
        row = AgendaItem.objects.select_for_update().get(pk=item.pk)
        if row.handled_at is None:  # a second press changes nothing
            row.handled_at = timezone.now()
            row.save(update_fields=["handled_at"])
            record(
                actor=actor,
                action="thinking.agenda_item_taken",
                target=row,
                team_id=row.team_id,
                data={"kind": row.kind, "consultation": row.consultation_id},
            )
    return row


def share_for_supervision(*, actor: User, consultation: Consultation, shared: bool) -> Consultation:
    """The help-seeker lets the team lead read this session's notes for supervision."""
    if actor.pk != consultation.seeker_id:
        raise Forbidden(_("Only the person who asked can do that."))
    if consultation.state != State.CLOSED:
        raise Conflict(_("Share it for supervision once its outcome is recorded."))
    with transaction.atomic():
        Consultation.objects.filter(pk=consultation.pk).update(shared_for_supervision=shared)
        record(
            actor=actor,
            action="thinking.shared" if shared else "thinking.unshared",
            target=consultation,
            team_id=consultation.team_id,
        )
    consultation.shared_for_supervision = shared
    return consultation


def complete_action(*, actor: User, action: AgreedAction) -> AgreedAction:
    """An action agreed at step 4 is done: it leaves my home screen."""
    team_id = action.consultation.team_id
    if action.owner_id != actor.pk or current_membership(actor, team_id) is None:
        raise NotFound(_("No such action."))
    if action.done_at is None:
        with transaction.atomic():
            action.done_at = timezone.now()
            action.save(update_fields=["done_at"])
            record(actor=actor, action="thinking.action_done", target=action, team_id=team_id)
    return action
