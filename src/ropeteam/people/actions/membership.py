"""Membership of a team: adding, changing roles and grades, removing."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput
from ropeteam.people.access import require
from ropeteam.people.actions._common import _narrowed, _parse_grade, _parse_role
from ropeteam.people.flow import Permission, Role
from ropeteam.people.models import DutyShift, Membership, RopeHolder, Team, User


def add_member(
    *, actor: User | None, team: Team, user: User, role: str, grade: str, profession: str = ""
) -> Membership:
    """Put a person in a team (by a lead, an org admin, the command line or an invitation)."""
    if actor is not None:
        require(actor, team, Permission.MANAGE_MEMBERS)
    if not user.is_active:
        raise InvalidInput(_("%(name)s's account is deactivated.") % {"name": user.name})
    role_value, grade_value = _parse_role(role), _parse_grade(grade)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                team=team,
                user=user,
                role=role_value,
                grade=grade_value,
                profession=profession.strip(),
                joined_at=timezone.now(),
            )
            record(
                actor=actor,
                action="member.added",
                target=user,
                team_id=team.pk,
                data={"role": role_value, "grade": grade_value},
            )
    except IntegrityError:
        raise Conflict(_("%(name)s is already in this team.") % {"name": user.name}) from None
    return membership


def _leads_left(team: Team, *, without: Membership) -> int:
    """How many other leads the team has; call inside a transaction, it locks the team row
    so two leads removing or demoting each other at once cannot both pass."""
    Team.objects.select_for_update().filter(pk=team.pk).first()
    return (
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True)
        .exclude(pk=without.pk)
        .count()
    )


def change_member(
    *,
    actor: User,
    membership: Membership,
    role: str | None = None,
    grade: str | None = None,
    profession: str | None = None,
) -> Membership:
    """Change a member's role, grade or profession."""
    require(actor, membership.team, Permission.MANAGE_MEMBERS)
    changes: dict[str, str] = {}
    with transaction.atomic():
        if role is not None and role != membership.role:
            new_role = _parse_role(role)
            if (
                membership.role == Role.LEAD
                and _leads_left(membership.team, without=membership) == 0
            ):
                raise InvalidInput(
                    _("A team needs a lead: make someone else lead before changing this role."),
                    field="role",
                )
            changes["role"] = membership.role = new_role
        if grade is not None and grade != membership.grade:
            changes["grade"] = membership.grade = _parse_grade(grade)
        if profession is not None and profession.strip() != membership.profession:
            changes["profession"] = membership.profession = profession.strip()
        if changes:
            membership.save(update_fields=list(changes))
            if "role" in changes:  # a role may allow less: open sockets check again
                _narrowed(membership.user_id)
            record(
                actor=actor,
                action="member.changed",
                target=membership.user,
                team_id=membership.team_id,
                data=changes,
            )
    return membership


def remove_member(*, actor: User, membership: Membership) -> None:
    """Take someone out of a team, with the rope they held and their future duty shifts."""
    require(actor, membership.team, Permission.MANAGE_MEMBERS)
    team, user = membership.team, membership.user
    now = timezone.now()
    with transaction.atomic():
        if membership.role == Role.LEAD and _leads_left(team, without=membership) == 0:
            raise InvalidInput(
                _("A team needs a lead: make someone else lead before removing them.")
            )
        membership.removed_at = now
        membership.save(update_fields=["removed_at"])
        dropped = list(
            RopeHolder.objects.filter(team=team, holder=user).values_list("worker_id", flat=True)
        )
        RopeHolder.objects.filter(team=team, holder=user).delete()
        RopeHolder.objects.filter(team=team, worker=user).delete()
        for worker_id in set(dropped):
            _renumber(team, worker_id)
        DutyShift.objects.filter(team=team, lead=user, starts_at__gte=now).delete()
        DutyShift.objects.filter(team=team, lead=user, ends_at__gt=now).update(ends_at=now)
        record(
            actor=actor,
            action="member.removed",
            target=user,
            team_id=team.pk,
            data={"rope_dropped_for": sorted(set(dropped))},
        )
        _narrowed(user.pk)


def _renumber(team: Team, worker_id: int) -> None:
    rows = list(RopeHolder.objects.filter(team=team, worker_id=worker_id).order_by("position"))
    RopeHolder.objects.filter(team=team, worker_id=worker_id).delete()
    RopeHolder.objects.bulk_create(
        RopeHolder(team=team, worker_id=worker_id, holder_id=r.holder_id, position=i)
        for i, r in enumerate(rows, start=1)
    )
