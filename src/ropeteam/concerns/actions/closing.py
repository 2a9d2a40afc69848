"""Taking on an escalated concern, and resolving it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.concerns import flow
from ropeteam.concerns.actions._common import MAX_REPLY, _entry, _locked, _refused, _store, _tell
from ropeteam.concerns.flow import LADDER, Refused, Resolution, State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, parse_choice
from ropeteam.escalation import engine
from ropeteam.escalation.models import Chain
from ropeteam.people.models import User


def take_on(*, actor: User, concern: Concern) -> Concern:
    """Whoever it was escalated to says "I'm on it": the reminders stop, the two are told."""
    with transaction.atomic():
        row, _before = _locked(concern)
        if row.escalated_at is None or actor.pk != row.escalate_to_id:
            raise Forbidden(_("Only the person it was escalated to can say they are on it."))
        if row.state == State.RESOLVED:
            raise _refused(Refused("resolved"))
        if not engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor):
            latest = Chain.objects.filter(ladder=LADDER, subject_id=row.pk).order_by("-pk").first()
            if latest is not None and latest.acknowledged_by_id == actor.pk:
                return row  # a second press of the same button
            raise Conflict(_("Nothing about this concern is waiting for you now."))
        row.due_at = None
        row.save(update_fields=["due_at"])
        record(actor=actor, action="concerns.taken_on", target=row, team_id=row.team_id)
        _tell(row, "taken_on")
    return row


def resolve(*, actor: User, concern: Concern, resolution: str, text: str = "") -> Concern:
    """The raiser records how it ended: resolved, resolved with a change, or not resolved
    and escalated (which takes it to the lead if it had not gone already)."""
    outcome = parse_choice(Resolution, resolution, field="resolution", label=_("resolution"))
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_REPLY}, field="text"
        )
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.resolve(before, by=actor.pk, resolution=outcome)
        except Refused as error:
            raise _refused(error) from None
        _store(row, before, after)
        row.resolved_at, row.due_at = timezone.now(), None
        row.save()
        engine.cancel(ladder=LADDER, subject_id=row.pk)  # nothing waits on anyone now
        _entry(row, Entry.Kind.RESOLVED, actor, resolution=outcome.value, text=text)
        record(
            actor=actor,
            action="concerns.resolved",
            target=row,
            team_id=row.team_id,
            data={"resolution": outcome.value},
        )
        _tell(row, "resolved")
    return row
