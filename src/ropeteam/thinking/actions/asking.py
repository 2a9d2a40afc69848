"""Asking for a Thinking Together."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import InvalidInput, NotFound, parse_choice
from ropeteam.people.access import is_active_member, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.thinking import flow
from ropeteam.thinking.actions._circles import _ask, _first_reachable, _plan
from ropeteam.thinking.actions._common import (
    MAX_NOTE,
    _alert,
    _case_in_team,
    _check_steadiness,
    _refused,
    _tell,
)
from ropeteam.thinking.flow import Circle, Mode, Refused, Task, Urgency
from ropeteam.thinking.models import Consultation


@dataclass(frozen=True)
class Ask:
    """Whom the help-seeker asks: a named colleague, their rope holders, or anyone available."""

    who: str  # "named" | "rope" | "team"
    named_id: int | None = None


def request_help(
    *,
    actor: User,
    team: Team,
    task: str,
    task_note: str = "",
    urgency: str,
    mode: str,
    ask: Ask,
    case_id: int | None = None,
    steadiness: int | None = None,
) -> Consultation:
    """Ask for a Thinking Together; the first circle is told at once."""
    require(actor, team, Permission.VIEW_TEAM)
    task_value = parse_choice(Task, task, field="task", label=_("what you want from this"))
    urgency_value = parse_choice(Urgency, urgency, field="urgency", label=_("urgency"))
    mode_value = parse_choice(Mode, mode, field="mode", label=_("how"))
    task_note = _one_sentence(task_note)
    _check_steadiness(steadiness, field="steadiness")
    case = _case_in_team(actor, team, case_id)
    now = timezone.now()
    circle, reached = _whom_to_ask(actor, team, ask, now)
    try:
        session = flow.ask(seeker=actor.pk, circle=circle, asked=frozenset(reached))
    except Refused as error:
        raise _refused(error) from None
    with transaction.atomic():
        consultation = Consultation.objects.create(
            team=team,
            seeker=actor,
            created_at=now,
            task=task_value,
            task_note=task_note,
            urgency=urgency_value,
            mode=mode_value,
            case=case,
            steadiness_before=steadiness,
            state=session.state,
            circle=session.circle,
            duty_lead_alerted_at=now if session.circle == Circle.DUTY_LEAD else None,
        )
        _start_asking(consultation, circle, session.asked, actor=actor, now=now)
    return consultation


def _one_sentence(task_note: str) -> str:
    """The task note, stripped, if it is one sentence long."""
    task_note = task_note.strip()
    if len(task_note) > MAX_NOTE:
        raise InvalidInput(
            _("Say it in one sentence (at most %(n)d characters).") % {"n": MAX_NOTE},
            field="task_note",
        )
    return task_note


def _whom_to_ask(actor: User, team: Team, ask: Ask, now: datetime) -> tuple[Circle, set[int]]:
    """The first circle asked and whom it reaches: the named colleague, or the first circle
    from the one chosen that reaches anybody."""
    first = {"named": Circle.NAMED, "rope": Circle.ROPE, "team": Circle.TEAM}.get(ask.who)
    if first is None:
        raise InvalidInput(
            _("Ask a named colleague, your rope holders, or anyone available."), field="ask"
        )
    if first == Circle.NAMED:
        if ask.named_id is None or ask.named_id == actor.pk:
            raise InvalidInput(_("Choose a colleague to ask."), field="named_id")
        if not is_active_member(ask.named_id, team.pk):
            raise NotFound(_("No such colleague in this team."), field="named_id")
        return Circle.NAMED, {ask.named_id}
    return _first_reachable(team, actor, first, now)


def _start_asking(
    consultation: Consultation,
    circle: Circle,
    asked: frozenset[int],
    *,
    actor: User,
    now: datetime,
) -> None:
    """Ask the first circle, start the request's chain, and tell and alert those asked."""
    _ask(consultation, circle, set(asked), now)
    _plan(consultation, now)
    consultation.save(update_fields=["widen_at"])
    record(
        actor=actor,
        action="thinking.requested",
        target=consultation,
        team_id=consultation.team_id,
        data={"case": consultation.case_id, "circle": circle.name.lower()},
    )
    _tell(consultation, asked, "requested")
    _alert(consultation, set(asked))
