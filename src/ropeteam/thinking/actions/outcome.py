"""Step 4, Return to purpose: the outcome, recorded live or afterwards."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.models import Case
from ropeteam.core.errors import InvalidInput, NotFound, parse_choice
from ropeteam.people.access import is_active_member, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Membership, Team, User
from ropeteam.thinking import emergency, flow
from ropeteam.thinking.actions._common import (
    MAX_ACTIONS,
    MAX_NOTE,
    MAX_NOTES,
    _bring_in,
    _case_in_team,
    _check_steadiness,
    _locked,
    _refused,
    _require_members,
    _tell,
)
from ropeteam.thinking.flow import Circle, Met, Mode, NextStep, Refused, State, Step, Task, Urgency
from ropeteam.thinking.models import (
    AgendaItem,
    AgreedAction,
    Asked,
    Consultation,
    Participant,
    StepChange,
)


@dataclass(frozen=True)
class Agreed:
    owner_id: int
    what: str
    due_at: datetime | None = None


def record_outcome(
    *,
    actor: User,
    consultation: Consultation,
    met: str,
    next_step: str,
    product: str = "",
    steadiness_after: int | None = None,
    notes: str = "",
    actions: list[Agreed] | None = None,
    invited_ids: Iterable[int] = (),
) -> Consultation:
    """Step 4, Return to purpose: was the task met, what came of it, what happens next.

    Widening the quorum now (with the colleagues to bring in) closes this one and carries on
    at once in a follow-up with them (`follow_up_of`).
    """
    met_value = parse_choice(Met, met, field="met", label=_("task met"))
    next_value = parse_choice(NextStep, next_step, field="next_step", label=_("next step"))
    outcome = flow.Outcome(met_value, next_value, steadiness_after)
    invited = frozenset(invited_ids)
    product, notes, actions = product.strip(), notes.strip(), actions or []
    _check_lengths(product=product, notes=notes, actions=actions)
    with transaction.atomic():
        row, session = _locked(consultation)
        session, following = _closing(row, session, actor=actor, outcome=outcome, invited=invited)
        _store_outcome(row, outcome, product=product, notes=notes, actions=actions)
        _raise_agenda_item(row, next_value, actor)
        record(
            actor=actor,
            action="thinking.closed",
            target=row,
            team_id=row.team_id,
            data={"met": met_value.value, "next_step": next_value.value},
        )
        _tell(row, session.participants, "closed")
        if following is not None:
            _carry_on(row, following, actor=actor, invited=set(invited))
        elif next_value == NextStep.EMERGENCY:
            emergency.declare(row=row, actor=actor, now=timezone.now())
    return row


def _check_lengths(*, product: str, notes: str, actions: list[Agreed]) -> None:
    if len(product) > MAX_NOTES or len(notes) > MAX_NOTES:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_NOTES},
            field="notes" if len(notes) > MAX_NOTES else "product",
        )
    if len(actions) > MAX_ACTIONS:
        raise InvalidInput(_("At most %(n)d actions.") % {"n": MAX_ACTIONS}, field="actions")


def _closing(
    row: Consultation,
    session: flow.Session,
    *,
    actor: User,
    outcome: flow.Outcome,
    invited: frozenset[int],
) -> tuple[flow.Session, flow.Session | None]:
    """The session closed with this outcome, and the follow-up's when the quorum widens now."""
    following = None
    try:
        session = flow.record(session, by=actor.pk, outcome=outcome)
        if invited:
            _require_members(row.team_id, set(invited), field="invited_ids")
        if invited or outcome.next_step == NextStep.WIDEN:
            following = flow.follow_up(session, invited=invited)
    except Refused as error:
        raise _refused(error) from None
    return session, following


def _store_outcome(
    row: Consultation,
    outcome: flow.Outcome,
    *,
    product: str,
    notes: str,
    actions: list[Agreed],
) -> None:
    members = set(
        Membership.objects.filter(team_id=row.team_id, removed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    for action in actions:
        if action.owner_id not in members:
            raise InvalidInput(_("An action's owner must be in the team."), field="actions")
        if not action.what.strip():
            raise InvalidInput(_("Say what the action is."), field="actions")
    row.state, row.finished_at = State.CLOSED, timezone.now()
    row.met, row.next_step = outcome.met, outcome.next_step
    row.steadiness_after, row.product, row.notes = outcome.steadiness_after, product, notes
    row.save()
    AgreedAction.objects.bulk_create(
        AgreedAction(
            consultation=row, owner_id=a.owner_id, what=a.what.strip()[:MAX_NOTE], due_at=a.due_at
        )
        for a in actions
    )


def _raise_agenda_item(row: Consultation, next_step: NextStep, actor: User) -> None:
    """Supervision or the team meeting: an item the team lead sees listed until taken."""
    kind = flow.AGENDA_OF.get(next_step)
    if kind is not None:
        AgendaItem.objects.create(
            team_id=row.team_id,
            kind=kind,
            consultation=row,
            case_id=row.case_id,
            raised_by=actor,
            created_at=timezone.now(),
        )


def _carry_on(
    row: Consultation, following: flow.Session, *, actor: User, invited: set[int]
) -> Consultation:
    """Widen the quorum now: a follow-up under way at step 1, with the same help-seeker,
    helper, task, case and chat, and the chosen colleagues brought in (as `invite` does).

    The chat moves on with it: the closed one never shows its chat, and a chat belongs to one
    Thinking Together, whose page its list links to.
    """
    now = timezone.now()
    follow = Consultation.objects.create(
        team_id=row.team_id,
        seeker_id=row.seeker_id,
        created_at=now,
        task=row.task,
        task_note=row.task_note,
        urgency=row.urgency,
        mode=row.mode,
        case_id=row.case_id,
        steadiness_before=row.steadiness_after,
        state=following.state,
        circle=following.circle,
        helper_id=row.helper_id,
        facilitator_id=row.facilitator_id,
        step=Step.MARK,
        accepted_at=now,
        conversation_id=row.conversation_id,
        follows=row,
    )
    if row.conversation_id is not None:
        row.conversation = None
        row.save(update_fields=["conversation"])
    Asked.objects.bulk_create(
        Asked(consultation=follow, user_id=i, circle=Circle.NAMED, asked_at=now)
        for i in following.asked
    )
    StepChange.objects.create(consultation=follow, step=Step.MARK, by=actor, at=now)
    Participant.objects.bulk_create(
        Participant(consultation=follow, user_id=p.user_id, joined_at=now, invited_by=p.invited_by)
        for p in row.others.all()
    )
    record(
        actor=actor,
        action="thinking.widen",
        target=row,
        team_id=row.team_id,
        data={"follow_up": follow.pk, "invited": sorted(invited)},
    )
    _bring_in(follow, invited, actor=actor, participants=following.participants)
    return follow


def quick_record(
    *,
    actor: User,
    team: Team,
    helper_id: int,
    task: str,
    mode: str,
    met: str,
    next_step: str,
    case_id: int | None = None,
    product: str = "",
    steadiness_before: int | None = None,
    steadiness_after: int | None = None,
    notes: str = "",
    happened_at: datetime | None = None,
) -> Consultation:
    """Record a Thinking Together that happened without the app, in under a minute."""
    require(actor, team, Permission.VIEW_TEAM)
    task_value = parse_choice(Task, task, field="task", label=_("what you wanted from it"))
    mode_value = parse_choice(Mode, mode, field="mode", label=_("how"))
    met_value = parse_choice(Met, met, field="met", label=_("task met"))
    next_value = parse_choice(NextStep, next_step, field="next_step", label=_("next step"))
    if not is_active_member(helper_id, team.pk):
        raise NotFound(_("No such colleague in this team."), field="helper_id")
    _check_steadiness(steadiness_before, field="steadiness_before")
    when = _when_it_happened(happened_at)
    outcome = flow.Outcome(met_value, next_value, steadiness_after)
    try:
        flow.quick_record(seeker=actor.pk, helper=helper_id, outcome=outcome)
    except Refused as error:
        raise _refused(error) from None
    case = _case_in_team(actor, team, case_id)
    with transaction.atomic():
        row = _write_quick_record(
            actor=actor,
            team=team,
            helper_id=helper_id,
            case=case,
            when=when,
            task=task_value,
            mode=mode_value,
            steadiness_before=steadiness_before,
            outcome=outcome,
            product=product,
            notes=notes,
        )
    return row


def _when_it_happened(happened_at: datetime | None) -> datetime:
    """When a Thinking Together recorded afterwards took place: now, or within the last month."""
    now = timezone.now()
    when = happened_at or now
    if when > now or when < now - timedelta(days=31):
        raise InvalidInput(
            _("When it happened must be within the last month."), field="happened_at"
        )
    return when


def _write_quick_record(
    *,
    actor: User,
    team: Team,
    helper_id: int,
    case: Case | None,
    when: datetime,
    task: Task,
    mode: Mode,
    steadiness_before: int | None,
    outcome: flow.Outcome,
    product: str,
    notes: str,
) -> Consultation:
    """A Thinking Together closed at `when`, as if asked, accepted and walked through then."""
    row = Consultation.objects.create(
        team=team,
        seeker=actor,
        created_at=when,
        task=task,
        urgency=Urgency.TODAY,
        mode=mode,
        case=case,
        steadiness_before=steadiness_before,
        state=State.CLOSED,
        circle=Circle.NAMED,
        helper_id=helper_id,
        step=Step.RETURN,
        accepted_at=when,
        finished_at=when,
        is_quick_record=True,
    )
    Asked.objects.create(consultation=row, user_id=helper_id, circle=Circle.NAMED, asked_at=when)
    StepChange.objects.bulk_create(
        StepChange(consultation=row, step=s, by=actor, at=when) for s in Step
    )
    _store_outcome(
        row,
        outcome,
        product=product.strip()[:MAX_NOTES],
        notes=notes.strip()[:MAX_NOTES],
        actions=[],
    )
    _raise_agenda_item(row, outcome.next_step, actor)
    record(actor=actor, action="thinking.recorded", target=row, team_id=team.pk)
    return row
