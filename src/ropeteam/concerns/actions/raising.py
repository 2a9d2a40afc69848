"""Raising a concern with a colleague."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.cases.models import Case
from ropeteam.concerns import flow
from ropeteam.concerns.actions._common import _alert, _entry, _refused, _schedule, _store, _tell
from ropeteam.concerns.actions.routing import escalation_target
from ropeteam.concerns.actions.statement import Statement
from ropeteam.concerns.flow import Level, Refused
from ropeteam.concerns.models import Concern, Direction, Entry
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people.access import active_membership, current_membership, require
from ropeteam.people.flow import Grade, Permission
from ropeteam.people.models import Membership, Team, User


def _direction(raiser: Membership, colleague: Membership) -> Direction:
    up, down = Grade(colleague.grade).rank, Grade(raiser.grade).rank
    if up > down:
        return Direction.UPWARD
    if up < down:
        return Direction.DOWNWARD
    return Direction.LEVEL


def raise_concern(
    *,
    actor: User,
    team: Team,
    colleague_id: int,
    level: str,
    statement: Statement,
    case_id: int | None = None,
) -> Concern:
    """Raise a concern with a colleague, at any level; they are told at once."""
    require(actor, team, Permission.VIEW_TEAM)
    level_value = _level(level)
    statement = statement.cleaned(first=True)
    mine, theirs = _memberships(actor, team, colleague_id)
    case = _case_in_team(actor, team, case_id)
    target = _target(team, actor, colleague_id)
    try:
        after = flow.raise_concern(
            raiser=actor.pk, colleague=colleague_id, escalate_to=target, level=level_value
        )
    except Refused as error:
        raise _refused(error) from None
    with transaction.atomic():
        row = Concern.objects.create(
            team=team,
            raiser=actor,
            colleague_id=colleague_id,
            escalate_to_id=target,
            direction=_direction(mine, theirs),
            case=case,
            created_at=timezone.now(),
            level=level_value,
            conversation=conversations.start_group(
                team=team, member_ids=[actor.pk, colleague_id], created_by=actor
            ),
        )
        _entry(row, Entry.Kind.RAISED, actor, statement)
        record(
            actor=actor,
            action="concerns.raised",
            target=row,
            team_id=team.pk,
            data={"level": level_value.name.lower(), "case": case.pk if case else None},
        )
        _alert(row, "concern_raised", {colleague_id}, actor.pk)
        _store(row, flow.Concern(actor.pk, colleague_id, target, level_value), after)
        _schedule(row)
        _tell(row, "raised")
    return row


def _memberships(actor: User, team: Team, colleague_id: int) -> tuple[Membership, Membership]:
    """The raiser's and the colleague's memberships of the team, or the 404 of a colleague."""
    mine = current_membership(actor, team.pk)
    theirs = active_membership(colleague_id, team.pk)
    if mine is None or theirs is None:
        raise NotFound(_("No such colleague in this team."), field="colleague_id")
    return mine, theirs


def _case_in_team(actor: User, team: Team, case_id: int | None) -> Case | None:
    """The case it is about, if any: one of this team's that the actor may see, or a 404."""
    case = None
    if case_id is not None:
        case = access_case(actor, case_id)
        if case.team_id != team.pk:
            raise NotFound(_("No such case."), field="case_id")
    return case


def _target(team: Team, actor: User, colleague_id: int) -> int:
    """Who it would go to if escalated: a concern nobody could be told of is refused."""
    target = escalation_target(team, actor.pk, colleague_id)
    if target is None:
        raise _refused(Refused("escalation_target"))
    return target


def _level(value: str) -> Level:
    found = {level.name.lower(): level for level in Level}.get(str(value).lower())
    if found is None:
        raise InvalidInput(_("Choose a level: probe, alert, challenge or escalate."), field="level")
    return found
