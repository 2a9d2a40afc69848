"""Asking for a Thinking Together."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.core.errors import InvalidInput, NotFound, parse_choice
from ropeteam.people.access import is_active_member, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.thinking import flow
from ropeteam.thinking.actions._circles import _ask, _first_reachable, _plan
from ropeteam.thinking.actions._common import MAX_NOTE, _alert, _refused, _tell
from ropeteam.thinking.flow import Circle, Mode, Refused, Task, Urgency
from ropeteam.thinking.models import (
    Consultation,
)


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
    task_note = task_note.strip()
    if len(task_note) > MAX_NOTE:
        raise InvalidInput(
            _("Say it in one sentence (at most %(n)d characters).") % {"n": MAX_NOTE},
            field="task_note",
        )
    if steadiness is not None and steadiness not in flow.STEADINESS:
        raise InvalidInput(_("Steadiness is a number from 0 to 10."), field="steadiness")
    case = None
    if case_id is not None:
        case = access_case(actor, case_id)
        if case.team_id != team.pk:
            raise NotFound(_("No such case."), field="case_id")
    now = timezone.now()
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
        circle, reached = Circle.NAMED, {ask.named_id}
    else:
        circle, reached = _first_reachable(team, actor, first, now)
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
        _ask(consultation, circle, set(session.asked), now)
        _plan(consultation, now)
        consultation.save(update_fields=["widen_at"])
        record(
            actor=actor,
            action="thinking.requested",
            target=consultation,
            team_id=team.pk,
            data={"case": case.pk if case else None, "circle": circle.name.lower()},
        )
        _tell(consultation, session.asked, "requested")
        _alert(consultation, set(session.asked))
    return consultation
