"""Availability, contact details, rope holders and the duty rota."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound, parse_choice
from ropeteam.people import signals
from ropeteam.people.access import active_members, is_active_member, require
from ropeteam.people.events import AvailabilityChanged
from ropeteam.people.flow import (
    Permission,
    Status,
    effective_availability,
    is_phone,
    until_for,
)
from ropeteam.people.models import (
    DutyShift,
    RopeHolder,
    Team,
    User,
)
from ropeteam.realtime.publish import publish_on_commit

MAX_ROPE_HOLDERS = 5


def _aware(moment: datetime) -> datetime:
    """Times typed without a zone are in the team's local time."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def set_availability(*, actor: User, status: str, until: datetime | None = None) -> User:
    """Say whether I can be reached now, optionally until a time.

    A new status does not keep the previous one's "until" (`flow.until_for`)."""
    status_value = parse_choice(Status, status, field="status", label=_("availability"))
    now = timezone.now()
    before = effective_availability(
        Status(actor.availability_status), actor.availability_until, now
    )
    until = until_for(status_value, _aware(until) if until else None, before)
    if until is not None:
        if until <= now:
            raise InvalidInput(_("“Until” must be in the future."), field="until")
        if until > now + timedelta(days=31):
            raise InvalidInput(_("“Until” can be at most a month ahead."), field="until")
    with transaction.atomic():
        actor.availability_status, actor.availability_until = status_value, until
        actor.availability_set_at = now
        actor.save(
            update_fields=["availability_status", "availability_until", "availability_set_at"]
        )
        publish_on_commit(AvailabilityChanged(user_id=actor.pk))
    return actor


def set_phone(*, actor: User, phone: str) -> User:
    """Set the number my rope holders call me on (blank: none)."""
    phone = " ".join(phone.split())
    if phone and not is_phone(phone):
        raise InvalidInput(
            _("A phone number has 6 to 20 digits, with spaces and a leading + if you like."),
            field="phone",
        )
    with transaction.atomic():
        actor.phone = phone
        actor.save(update_fields=["phone"])
        record(actor=actor, action="account.phone_set", target=actor)
    return actor


def set_verified_email(*, actor: User, email: str) -> User:
    """Make a proven address (or none, when blank) the one I am e-mailed at.

    Only notify calls this, once the address's own link was opened (or to remove it):
    whatever is here is e-mailed alerts, so it must never be an address nobody proved.
    """
    with transaction.atomic():
        actor.email = email
        actor.save(update_fields=["email"])
        # The address itself stays out of the audit log, which keeps only ids.
        record(actor=actor, action="account.email_set", target=actor, data={"set": bool(email)})
    return actor


def set_rope_holders(*, actor: User, team: Team, worker: User, holders: list[User]) -> None:
    """Set who holds a worker's rope, in the order they are tried."""
    require(actor, team, Permission.EDIT_ROPE_HOLDERS)
    ids = [h.pk for h in holders]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("Each colleague can hold the rope only once."), field="holders")
    if worker.pk in ids:
        raise InvalidInput(_("Nobody can hold their own rope."), field="holders")
    if len(ids) > MAX_ROPE_HOLDERS:
        raise InvalidInput(
            _("At most %(n)d rope holders.") % {"n": MAX_ROPE_HOLDERS}, field="holders"
        )
    if not is_active_member(worker.pk, team.pk):
        raise NotFound(_("No such member in this team."))
    if active_members(team.pk, ids) != set(ids):
        raise InvalidInput(_("Rope holders must be current members of the team."), field="holders")
    with transaction.atomic():
        before = list(
            RopeHolder.objects.filter(team=team, worker=worker).values_list("holder_id", flat=True)
        )
        RopeHolder.objects.filter(team=team, worker=worker).delete()
        RopeHolder.objects.bulk_create(
            RopeHolder(team=team, worker=worker, holder_id=h, position=i)
            for i, h in enumerate(ids, start=1)
        )
        record(
            actor=actor,
            action="rope.holders_set",
            target=worker,
            team_id=team.pk,
            data={"before": before, "after": ids},
        )
        added = [h for h in ids if h not in before]
        if added:
            signals.rope_holders_added.send(
                None, team_id=team.pk, worker_id=worker.pk, actor_id=actor.pk, holder_ids=added
            )


def add_duty_shift(
    *, actor: User | None, team: Team, lead: User, starts_at: datetime, ends_at: datetime
) -> DutyShift:
    """Put someone on the rota as duty lead for a stretch of time."""
    if actor is not None:
        require(actor, team, Permission.EDIT_ROTA)
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if ends_at <= starts_at:
        raise InvalidInput(_("A shift must end after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(days=7):
        raise InvalidInput(_("A shift can last at most seven days."), field="ends_at")
    if not is_active_member(lead.pk, team.pk):
        raise InvalidInput(_("The duty lead must be a current member of the team."), field="lead")
    with transaction.atomic():
        # Lock the team row so two overlapping shifts cannot both pass the check.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        overlap = DutyShift.objects.filter(team=team, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if overlap.exists():
            raise Conflict(
                _("This overlaps another duty shift: there is one duty lead at a time."),
                field="starts_at",
            )
        shift = DutyShift.objects.create(team=team, lead=lead, starts_at=starts_at, ends_at=ends_at)
        record(
            actor=actor,
            action="rota.shift_added",
            target=shift,
            team_id=team.pk,
            data={"lead": lead.pk, "starts_at": starts_at, "ends_at": ends_at},
        )
    return shift


def remove_duty_shift(*, actor: User, shift: DutyShift) -> None:
    """Take a shift off the rota."""
    require(actor, shift.team, Permission.EDIT_ROTA)
    with transaction.atomic():
        record(
            actor=actor,
            action="rota.shift_removed",
            target=shift,
            team_id=shift.team_id,
            data={"lead": shift.lead_id, "starts_at": shift.starts_at},
        )
        shift.delete()
