"""The only writers of Thinking Together: asking, widening, accepting, the steps, the outcome.

Each action locks the consultation row, asks `flow` whether the change is allowed, writes it
with an audit entry in one transaction, and tells the people concerned on their sockets
once it has committed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound, parse_choice
from ropeteam.escalation import engine
from ropeteam.notify.tasks import alert_later
from ropeteam.people import queries as people
from ropeteam.people.access import active_members, current_membership, is_active_member, require
from ropeteam.people.flow import Permission, Role
from ropeteam.people.models import Membership, Team, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.thinking import emergency, flow
from ropeteam.thinking.events import ThinkingChanged
from ropeteam.thinking.flow import Circle, Met, Mode, NextStep, Refused, State, Step, Task, Urgency
from ropeteam.thinking.models import (
    AgendaItem,
    AgreedAction,
    Asked,
    Consultation,
    Participant,
    StepChange,
    Waits,
)

MAX_NOTE = 280  # "plus one sentence"
MAX_NOTES = 2000  # notes are optional and short
MAX_ACTIONS = 10
MAX_INVITED = 20  # colleagues brought in at once when widening the quorum
# The escalation ladder of an unanswered request (registered by thinking.tasks): each circle
# is a round whose step is its wait; at the last, the duty lead and the team leads are alerted
# again and again until one of them accepts.
LADDER = "thinking.widening"


def _refused(error: Refused) -> Exception:
    """A flow refusal as the error a person can act on."""
    messages: dict[str, Callable[[], Exception]] = {
        "nobody_to_ask": lambda: InvalidInput(_("Choose a colleague to ask."), field="named_id"),
        "taken": lambda: Conflict(_("Someone else has already accepted this request.")),
        "not_waiting": lambda: Conflict(_("This request is no longer waiting for a helper.")),
        "already_asked": lambda: Conflict(_("Those colleagues have already been asked.")),
        "not_asked": lambda: Forbidden(_("This request was not sent to you.")),
        "not_seeker": lambda: Forbidden(_("Only the person who asked can do that.")),
        "finished": lambda: Conflict(_("This Thinking Together has already finished.")),
        "not_active": lambda: Conflict(_("This Thinking Together is not under way.")),
        "not_participant": lambda: Forbidden(_("Only people in this Thinking Together can.")),
        "step_order": lambda: InvalidInput(
            _("Move on one step at a time, or go back to an earlier step."), field="step"
        ),
        "already_in": lambda: Conflict(_("They are already in this Thinking Together.")),
        "nobody_to_invite": lambda: InvalidInput(
            _("Choose at least one colleague to bring in."), field="invited_ids"
        ),
        "not_widening": lambda: InvalidInput(
            _("Choose colleagues to bring in only when widening the quorum now."),
            field="invited_ids",
        ),
        "not_at_return": lambda: Conflict(
            _("Record the outcome at step 4, Return to purpose."), field="step"
        ),
        "steadiness_range": lambda: InvalidInput(
            _("Steadiness is a number from 0 to 10."), field="steadiness_after"
        ),
    }
    return messages[error.code]()


def session_of(consultation: Consultation) -> flow.Session:
    """The flow's view of a stored consultation."""
    asked = list(consultation.asked.all())
    return flow.Session(
        seeker=consultation.seeker_id,
        state=State(consultation.state),
        circle=Circle(consultation.circle),
        asked=frozenset(a.user_id for a in asked),
        declined=frozenset(a.user_id for a in asked if a.declined_at is not None),
        helper=consultation.helper_id,
        others=frozenset(consultation.others.values_list("user_id", flat=True)),
        facilitator=consultation.facilitator_id,
        step=Step(consultation.step) if consultation.step else None,
        steps=tuple(Step(s) for s in consultation.steps.values_list("step", flat=True)),
        outcome=(
            flow.Outcome(Met(consultation.met), NextStep(consultation.next_step))
            if consultation.met
            else None
        ),
    )


def _locked(consultation: Consultation) -> tuple[Consultation, flow.Session]:
    row = Consultation.objects.select_for_update().get(pk=consultation.pk)
    return row, session_of(row)


def _tell(consultation: Consultation, user_ids: Iterable[int], kind: str) -> None:
    """After commit: a `thinking` event (ids and state only) to these people's sockets."""
    event = ThinkingChanged(
        audience=Audience.of(consultation.team_id, user_ids),
        event=kind,
        consultation=consultation.pk,
        state=consultation.state,
        step=consultation.step,
        helper=consultation.helper_id,
        seeker=consultation.seeker_id,
        urgency=consultation.urgency,
    )
    publish_on_commit(event)


def _alert(consultation: Consultation, user_ids: set[int], *, again: int | None = None) -> None:
    """Push (or e-mail) those asked, in this transaction: "Sam asks to think together".

    Sent once per person and topic; `again` (the chain's step) makes each repeat a topic of
    its own, so it is sent again.
    """
    topic = f"thinking:{consultation.pk}:{consultation.circle}"
    alert_later(
        topic=topic if again is None else f"{topic}:again:{again}",
        kind="thinking_requested",
        about_id=consultation.seeker_id,
        user_ids=user_ids,
        path=f"/thinking/{consultation.pk}/",
    )


# --- who is asked ---------------------------------------------------------------------------


def waits(team: Team) -> dict[Urgency, timedelta]:
    """How long each circle waits before the request widens, for this team."""
    own = Waits.objects.filter(team=team).first()
    if own is None:
        return dict(flow.DEFAULT_WAIT)
    return {
        Urgency.NOW: timedelta(seconds=own.now_seconds),
        Urgency.WITHIN_HOUR: timedelta(seconds=own.within_hour_seconds),
        Urgency.TODAY: timedelta(seconds=own.today_seconds),
    }


def _circle(team: Team, seeker: User, circle: Circle, now: datetime) -> set[int]:
    """Who a circle reaches now (not the help-seeker)."""
    # Ids only: the worker runs this for every circle a request widens to, team by team.
    if circle == Circle.ROPE:
        ids = people.current_rope_holder_ids(team, seeker)
    elif circle == Circle.TEAM:
        ids = people.available_member_ids(team, now)
    elif circle == Circle.DUTY_LEAD:
        lead = people.duty_lead_at(team, now)
        ids = {lead.pk} if lead is not None else _leads(team)
    else:
        ids = set()
    return ids - {seeker.pk}


def _leads(team: Team) -> set[int]:
    return set(
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


def _first_reachable(
    team: Team, seeker: User, circle: Circle, now: datetime
) -> tuple[Circle, set[int]]:
    """This circle, or the next one that reaches anybody (the duty lead circle always ends)."""
    while True:
        reached = _circle(team, seeker, circle, now)
        following = flow.next_circle(circle)
        if reached or following is None:
            return circle, reached
        circle = following


def _ask(
    consultation: Consultation,
    circle: Circle,
    ids: set[int],
    now: datetime,
    *,
    already: frozenset[int] | None = None,  # who was asked before, when the caller knows
) -> None:
    if already is None:
        already = frozenset(consultation.asked.values_list("user_id", flat=True))
    Asked.objects.bulk_create(
        Asked(consultation=consultation, user_id=i, circle=circle, asked_at=now)
        for i in sorted(ids - already)
    )


def _plan(consultation: Consultation, now: datetime) -> None:
    """Start the request's chain afresh at its circle, and show when it next widens.

    A round per circle, started when the circle was asked: each circle gets its full wait,
    whether the one before ended by its deadline (however late that fired) or because
    everyone in it said no.
    """
    first_due = engine.open_chain(
        ladder=LADDER, subject_id=consultation.pk, round=consultation.circle, start_at=now
    )
    # The duty lead's circle has no wider one: its step only repeats the alert.
    widens = flow.next_circle(Circle(consultation.circle)) is not None
    consultation.widen_at = first_due if widens else None


# --- asking ---------------------------------------------------------------------------------


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


def widen_now(*, consultation_id: int, from_circle: int) -> Consultation | None:
    """Everyone asked said no: ask the next circle now, if it still waits.

    Returns None when there was nothing to do (accepted, cancelled, or widened already), so
    a call that comes twice changes nothing the second time.
    """
    with transaction.atomic():
        row = _waiting(consultation_id)
        if row is None or row.circle != from_circle:
            return None
        following = flow.next_circle(Circle(row.circle))
        if following is None:
            return None
        now = timezone.now()
        _widen(row, following, now)
        _plan(row, now)
        row.save(update_fields=["widen_at"])
    return row


def keep_asking(*, consultation_id: int, position: int, at: datetime) -> Consultation | None:
    """A circle's wait is over (the escalation engine fires each step once, `at` its clock):
    ask the next circle or, at the last, alert the duty lead and the team leads again.

    Returns None when the request no longer waits (its chain ends with it, so only a step
    that raced the answer finds that).
    """
    with transaction.atomic():
        row = _waiting(consultation_id)
        if row is None:
            return None
        following = flow.next_circle(Circle(row.circle))
        if following is None:
            _alert_again(row, at, position=position)
            return row
        _widen(row, following, at)
        _plan(row, at)
        row.save(update_fields=["widen_at"])
    return row


def _waiting(consultation_id: int) -> Consultation | None:
    """The request, locked, if it still waits for a helper."""
    # Its team and seeker come along: widening reads both (the lock stays on the request).
    row = (
        Consultation.objects.select_related("team", "seeker")
        .select_for_update(of=("self",))
        .filter(pk=consultation_id)
        .first()
    )
    return row if row is not None and row.state == State.REQUESTED else None


def _widen(row: Consultation, following: Circle, now: datetime) -> None:
    """Ask the next circle that reaches anybody, and tell them and the help-seeker."""
    circle, reached = _first_reachable(row.team, row.seeker, following, now)
    before = session_of(row)
    session = flow.widen(before, circle=circle, asked=frozenset(reached))
    row.circle = session.circle
    if circle == Circle.DUTY_LEAD:
        row.duty_lead_alerted_at = now
    # Saved before the next round is planned: the ladder reads the circle from the row.
    row.save(update_fields=["circle", "duty_lead_alerted_at"])
    _ask(row, circle, reached, now, already=before.asked)
    record(
        actor=None,
        action="thinking.widened",
        target=row,
        team_id=row.team_id,
        data={"circle": circle.name.lower(), "asked": sorted(reached)},
    )
    _tell(row, reached, "requested")
    _tell(row, {row.seeker_id}, "widened")
    _alert(row, reached)


def _alert_again(row: Consultation, now: datetime, *, position: int) -> None:
    """Nobody accepted at the last circle: the duty lead and every team lead are asked (so
    any of them can accept) and alerted again; the help-seeker's page says whom to call."""
    ids = (_circle(row.team, row.seeker, Circle.DUTY_LEAD, now) | _leads(row.team)) - {
        row.seeker_id
    }
    _ask(row, Circle.DUTY_LEAD, ids, now)
    record(
        actor=None,
        action="thinking.alerted_again",
        target=row,
        team_id=row.team_id,
        data={"asked": sorted(ids), "step": position},
    )
    _tell(row, ids, "requested")
    _tell(row, {row.seeker_id}, "still_waiting")
    _alert(row, ids, again=position)


def accept(*, actor: User, consultation: Consultation) -> Consultation:
    """I'll think with you: the first acceptance wins; the rest are told it is taken."""
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.accept(session, helper=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        now = timezone.now()
        row.state, row.helper, row.step = session.state, actor, Step.MARK
        row.accepted_at, row.widen_at = now, None
        engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor)  # accepting answers it
        if row.mode == Mode.CHAT:
            row.conversation = conversations.start_group(
                team=row.team, member_ids=[row.seeker_id, actor.pk], created_by=row.seeker
            )
        row.save()
        StepChange.objects.create(consultation=row, step=Step.MARK, by=actor, at=now)
        record(actor=actor, action="thinking.accepted", target=row, team_id=row.team_id)
        _tell(row, session.asked | {row.seeker_id}, "accepted")
    return row


def begin_together(
    *, team: Team, seeker_id: int, helper_id: int, task: str, case_id: int | None
) -> Consultation:
    """A Thinking Together the helper has already agreed to (accepting one offered elsewhere,
    such as about a concern): under way at step 1, with its chat, in the caller's transaction.
    """
    task_value = parse_choice(Task, task, field="task", label=_("what you want from this"))
    try:
        session = flow.ask(seeker=seeker_id, circle=Circle.NAMED, asked=frozenset({helper_id}))
        session = flow.accept(session, helper=helper_id)
    except Refused as error:
        raise _refused(error) from None
    now = timezone.now()
    row = Consultation.objects.create(
        team=team,
        seeker_id=seeker_id,
        created_at=now,
        task=task_value,
        urgency=Urgency.TODAY,
        mode=Mode.CHAT,
        case_id=case_id,
        state=session.state,
        circle=Circle.NAMED,
        helper_id=helper_id,
        step=Step.MARK,
        accepted_at=now,
        conversation=conversations.start_group(
            team=team, member_ids=[seeker_id, helper_id], created_by=User(pk=seeker_id)
        ),
    )
    Asked.objects.create(consultation=row, user_id=helper_id, circle=Circle.NAMED, asked_at=now)
    StepChange.objects.create(consultation=row, step=Step.MARK, by_id=helper_id, at=now)
    record(actor=User(pk=helper_id), action="thinking.accepted", target=row, team_id=team.pk)
    _tell(row, session.participants, "accepted")
    return row


def decline(
    *, actor: User, consultation: Consultation, reason: str = "", later_at: datetime | None = None
) -> Consultation:
    """I can't now (with a reason, or a time I could); widens at once when everyone said no."""
    reason = reason.strip()[:MAX_NOTE]
    now = timezone.now()
    if later_at is not None and later_at <= now:
        raise InvalidInput(_("Offer a time in the future."), field="later_at")
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.decline(session, helper=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        Asked.objects.filter(consultation=row, user=actor).update(
            declined_at=now, reason=reason, later_at=later_at
        )
        record(actor=actor, action="thinking.declined", target=row, team_id=row.team_id)
        _tell(row, {row.seeker_id}, "declined")
        everyone = flow.everyone_declined(session)
    if everyone:
        widen_now(consultation_id=row.pk, from_circle=row.circle)
    return row


def cancel(*, actor: User, consultation: Consultation) -> Consultation:
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.cancel(session, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        row.state, row.finished_at, row.widen_at = session.state, timezone.now(), None
        row.save(update_fields=["state", "finished_at", "widen_at"])
        engine.cancel(ladder=LADDER, subject_id=row.pk)
        record(actor=actor, action="thinking.cancelled", target=row, team_id=row.team_id)
        _tell(row, session.asked | session.participants, "cancelled")
    return row


def move(*, actor: User, consultation: Consultation, step: int) -> Consultation:
    """Move the session on one step, or back to an earlier one: live for everyone in it."""
    step_value = Step(step) if step in {s.value for s in Step} else None
    if step_value is None:
        raise InvalidInput(_("Steps are 1 to 4."), field="step")
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.move(session, by=actor.pk, to=step_value)
        except Refused as error:
            raise _refused(error) from None
        row.step = step_value
        row.save(update_fields=["step"])
        StepChange.objects.create(consultation=row, step=step_value, by=actor, at=timezone.now())
        _tell(row, session.participants, "step")
    return row


def invite(*, actor: User, consultation: Consultation, colleague_id: int) -> Consultation:
    """Widen the quorum: bring a colleague from the team into the session."""
    with transaction.atomic():
        row, session = _locked(consultation)
        _require_members(row.team_id, {colleague_id}, field="colleague_id")
        try:
            session = flow.invite(session, by=actor.pk, colleague=colleague_id)
        except Refused as error:
            raise _refused(error) from None
        record(
            actor=actor,
            action="thinking.invited",
            target=row,
            team_id=row.team_id,
            data={"colleague": colleague_id},
        )
        _bring_in(row, {colleague_id}, actor=actor, participants=session.participants)
    return row


def _require_members(team_id: int, ids: set[int], *, field: str) -> None:
    """Everyone named is a current member of the team, or the 404 of a missing colleague."""
    if active_members(team_id, ids) != ids:
        raise NotFound(_("No such colleague in this team."), field=field)


def _bring_in(
    row: Consultation, ids: set[int], *, actor: User, participants: frozenset[int]
) -> None:
    """Colleagues join a session under way and its chat; each is told on their sockets (their
    home screen shows the invitation) and by push or e-mail, once the transaction commits."""
    now = timezone.now()
    Participant.objects.bulk_create(
        Participant(consultation=row, user_id=i, joined_at=now, invited_by=actor)
        for i in sorted(ids)
    )
    if row.conversation_id is not None:
        for user_id in sorted(ids):
            conversations.add_participant(conversation_id=row.conversation_id, user_id=user_id)
    _tell(row, participants, "invited")
    alert_later(
        topic=f"thinking-invited:{row.pk}",
        kind="thinking_invited",
        about_id=actor.pk,
        user_ids=ids,
        path=f"/thinking/{row.pk}/",
    )


def facilitate(*, actor: User, consultation: Consultation, facilitator_id: int) -> Consultation:
    with transaction.atomic():
        row, session = _locked(consultation)
        try:
            session = flow.facilitate(session, by=actor.pk, facilitator=facilitator_id)
        except Refused as error:
            raise _refused(error) from None
        row.facilitator_id = facilitator_id
        row.save(update_fields=["facilitator"])
        _tell(row, session.participants, "facilitator")
    return row


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
    if len(product) > MAX_NOTES or len(notes) > MAX_NOTES:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_NOTES},
            field="notes" if len(notes) > MAX_NOTES else "product",
        )
    if len(actions) > MAX_ACTIONS:
        raise InvalidInput(_("At most %(n)d actions.") % {"n": MAX_ACTIONS}, field="actions")
    with transaction.atomic():
        row, session = _locked(consultation)
        following = None
        try:
            session = flow.record(session, by=actor.pk, outcome=outcome)
            if invited:
                _require_members(row.team_id, set(invited), field="invited_ids")
            if invited or next_value == NextStep.WIDEN:
                following = flow.follow_up(session, invited=invited)
        except Refused as error:
            raise _refused(error) from None
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
    if steadiness_before is not None and steadiness_before not in flow.STEADINESS:
        raise InvalidInput(_("Steadiness is a number from 0 to 10."), field="steadiness_before")
    now = timezone.now()
    when = happened_at or now
    if when > now or when < now - timedelta(days=31):
        raise InvalidInput(
            _("When it happened must be within the last month."), field="happened_at"
        )
    try:
        flow.quick_record(
            seeker=actor.pk,
            helper=helper_id,
            outcome=flow.Outcome(met_value, next_value, steadiness_after),
        )
    except Refused as error:
        raise _refused(error) from None
    case = access_case(actor, case_id) if case_id is not None else None
    if case is not None and case.team_id != team.pk:
        raise NotFound(_("No such case."), field="case_id")
    with transaction.atomic():
        row = Consultation.objects.create(
            team=team,
            seeker=actor,
            created_at=when,
            task=task_value,
            urgency=Urgency.TODAY,
            mode=mode_value,
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
        Asked.objects.create(
            consultation=row, user_id=helper_id, circle=Circle.NAMED, asked_at=when
        )
        StepChange.objects.bulk_create(
            StepChange(consultation=row, step=s, by=actor, at=when) for s in Step
        )
        _store_outcome(
            row,
            flow.Outcome(met_value, next_value, steadiness_after),
            product=product.strip()[:MAX_NOTES],
            notes=notes.strip()[:MAX_NOTES],
            actions=[],
        )
        _raise_agenda_item(row, next_value, actor)
        record(actor=actor, action="thinking.recorded", target=row, team_id=team.pk)
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


def set_waits(*, actor: User, team: Team, waits: dict[Urgency, timedelta]) -> Waits:
    """How long each circle waits before a request widens, by urgency, for this team."""
    require(actor, team, Permission.EDIT_SETTINGS)
    seconds: dict[str, int] = {u.value: int(w.total_seconds()) for u, w in waits.items()}
    if set(seconds) != {u.value for u in Urgency} or any(s < 1 for s in seconds.values()):
        raise InvalidInput(_("Give a wait of at least one second for each urgency."))
    with transaction.atomic():
        row, _new = Waits.objects.update_or_create(
            team=team,
            defaults={
                "now_seconds": seconds[Urgency.NOW.value],
                "within_hour_seconds": seconds[Urgency.WITHIN_HOUR.value],
                "today_seconds": seconds[Urgency.TODAY.value],
            },
        )
        record(actor=actor, action="thinking.waits_set", target=team, team_id=team.pk, data=seconds)
    return row


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
