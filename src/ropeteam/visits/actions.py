"""The only writers of field visits: starting, holding the rope, check-ins, the chain.

A visit's deadlines run on the escalation engine (ADR 0007), as two ladders (`tasks.py`):
- `visits.chain`: a round per expected end (starting opens round 1, each extension the next
  from the new end, which cancels the last), its steps the team's chain times, the last step
  repeating until a human says "I'm on it"; ending the visit cancels it;
- `visits.rope`: the rope holder asked has `ROPE_WAIT` to accept before the next is asked;
- `visits.alarm`: the alarm alerts at once (in the action), then again every repeat interval,
  widening (`ALARM_WIDENS`), until a human says "I'm on it". Only that silences it: ending
  the visit does not, since a worker who pressed the alarm and then "ended" may be under
  duress.
The engine fires each step once; the unique (visit, round, step) of `Escalation` is a second
guard, so a step that somehow ran twice still tells nobody twice.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.models import Chain
from ropeteam.notify.tasks import alert_address_later, alert_later
from ropeteam.people import queries as people
from ropeteam.people.access import is_active_member, require
from ropeteam.people.flow import Permission, Role, Status
from ropeteam.people.models import Membership, Team, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.visits import flow, links
from ropeteam.visits.access import may_take
from ropeteam.visits.events import VisitChanged
from ropeteam.visits.flow import ALARM_CHAIN, CHAIN, ROPE, Refused, State, Step
from ropeteam.visits.models import ALARM, ChainSettings, Escalation, Visit

MAX_LOCATION = 200
MAX_NOTE = 500
MAX_VISIT = timedelta(hours=12)
ROPE_WAIT = timedelta(minutes=5)  # the rope holder has this long to accept before the next
# Who an alarm's repeats add to those it told (the rope holder and the duty lead): from the
# first repeat the team's leads, from the second the organisation's out-of-hours contact
# (e-mailed, and alerted if a person with an account). Each repeat tells everyone told so far.
ALARM_TEAM_LEADS_AT = 1
ALARM_OUT_OF_HOURS_AT = 2


def repeat_every() -> timedelta:
    """How often the top step of a visit's chain alerts again until someone acknowledges."""
    return timedelta(seconds=settings.VISIT_REPEAT_SECONDS)


def _refused(error: Refused) -> Exception:
    messages: dict[str, Callable[[], Exception]] = {
        "end_in_past": lambda: InvalidInput(
            _("The expected end must be in the future."), field="expected_end"
        ),
        "own_rope": lambda: InvalidInput(
            _("Someone else must hold your rope."), field="rope_holder_id"
        ),
        "chain_order": lambda: InvalidInput(
            _("Each escalation step must come after the one before.")
        ),
        "not_awaiting": lambda: Conflict(_("The rope is already held.")),
        "not_rope_holder": lambda: Forbidden(_("Only the rope holder can do that.")),
        "ended": lambda: Conflict(_("This visit has ended.")),
        "not_worker": lambda: Forbidden(_("Only the worker on the visit can do that.")),
        "extension_range": lambda: InvalidInput(
            _("Extend by 1 minute to 8 hours."), field="minutes"
        ),
    }
    return messages[error.code]()


def chain_for(team: Team) -> dict[Step, timedelta]:
    """The team's escalation times, or the defaults."""
    own = ChainSettings.objects.filter(team=team).first()
    if own is None:
        return dict(flow.DEFAULT_CHAIN)
    return {
        Step.PROMPT_WORKER: timedelta(seconds=own.prompt_seconds),
        Step.ROPE_HOLDER: timedelta(seconds=own.rope_holder_seconds),
        Step.DUTY_LEAD: timedelta(seconds=own.duty_lead_seconds),
        Step.TEAM_LEAD: timedelta(seconds=own.team_lead_seconds),
    }


def set_chain(*, actor: User, team: Team, chain: dict[Step, timedelta]) -> ChainSettings:
    require(actor, team, Permission.EDIT_SETTINGS)
    try:
        flow.start(
            worker=0,
            rope_holder=None,
            now=timezone.now(),
            expected_end=timezone.now() + timedelta(1),
            chain=chain,
        )
    except Refused as error:
        raise _refused(error) from None
    seconds = {s: int(chain[s].total_seconds()) for s in Step}
    with transaction.atomic():
        row, _new = ChainSettings.objects.update_or_create(
            team=team,
            defaults={
                "prompt_seconds": seconds[Step.PROMPT_WORKER],
                "rope_holder_seconds": seconds[Step.ROPE_HOLDER],
                "duty_lead_seconds": seconds[Step.DUTY_LEAD],
                "team_lead_seconds": seconds[Step.TEAM_LEAD],
            },
        )
        record(
            actor=actor,
            action="visits.chain_set",
            target=team,
            team_id=team.pk,
            data={s.name.lower(): v for s, v in seconds.items()},
        )
    return row


def session_of(visit: Visit) -> flow.Visit:
    """The flow's view of a stored visit (with the steps fired in its current round)."""
    fired = tuple(
        flow.Fired(e.round, Step(e.step), e.fired_at, e.due_at)
        for e in visit.escalations.filter(round=visit.round).exclude(step=ALARM).order_by("step")
    )
    return flow.Visit(
        worker=visit.worker_id,
        rope_holder=visit.rope_holder_id,
        started_at=visit.started_at,
        expected_end=visit.expected_end,
        chain=tuple(timedelta(seconds=s) for s in visit.chain_seconds),
        state=State(visit.state),
        round=visit.round,
        fired=fired,
        alarm_at=visit.alarm_at,
        last_check_in=visit.last_check_in,
        ended_at=visit.ended_at,
    )


def _save(row: Visit, visit: flow.Visit) -> None:
    row.rope_holder_id = visit.rope_holder
    row.state, row.expected_end, row.round = visit.state, visit.expected_end, visit.round
    row.alarm_at, row.last_check_in, row.ended_at = (
        visit.alarm_at,
        visit.last_check_in,
        visit.ended_at,
    )
    row.save()


def _open_chain(row: Visit) -> None:
    """A round of the chain from the visit's expected end (the last round is cancelled)."""
    engine.open_chain(ladder=CHAIN, subject_id=row.pk, round=row.round, start_at=row.expected_end)


def _ask_in_turn(row: Visit, now: datetime) -> None:
    """The rope holder just asked has ROPE_WAIT to accept before the next one is asked."""
    asked_before = Chain.objects.filter(ladder=ROPE, subject_id=row.pk).count()
    engine.open_chain(ladder=ROPE, subject_id=row.pk, round=asked_before + 1, start_at=now)


def _ids(*maybe: int | None) -> set[int]:
    """The ids given, without the Nones (nobody on duty, no rope holder yet)."""
    return {i for i in maybe if i is not None}


def _everyone_concerned(row: Visit) -> set[int]:
    return {row.worker_id, *([row.rope_holder_id] if row.rope_holder_id else [])}


def _tell(row: Visit, user_ids: set[int], event: str) -> None:
    """After commit: a `visit` event (ids and times only, never the location) to sockets.

    The team's leads are told too: their "Who's out now" board shows every open visit.
    """
    frame = VisitChanged(
        audience=Audience.of(row.team_id, set(user_ids) | _team_leads(row.team_id)),
        event=event,
        visit=row.pk,
        worker=row.worker_id,
        state=row.state,
        expected_end=row.expected_end.isoformat(),
        alarm=row.alarm_at is not None,
    )
    publish_on_commit(frame)


def topic_of(escalation: Escalation) -> str:
    """The notify topic an escalation's pushes and e-mails are recorded under."""
    if escalation.step == ALARM:
        return f"visit:{escalation.visit_id}:alarm"
    return f"visit:{escalation.visit_id}:{escalation.round}:{escalation.step}"


def _ask_rope_holder(row: Visit, holder_id: int) -> None:
    """Push (or e-mail) whoever is asked to hold the rope, so they need not open Visits."""
    asked = int(row.rope_asked_at.timestamp()) if row.rope_asked_at else 0
    _alert(row, f"visit:{row.pk}:rope:{holder_id}:{asked}", "visit_rope_asked", {holder_id})


def _alert(row: Visit, topic: str, kind: str, user_ids: set[int]) -> None:
    """Push (or e-mail) those told, in this transaction; never where the visit is."""
    alert_later(
        topic=topic, kind=kind, about_id=row.worker_id, user_ids=user_ids, path=f"/visits/{row.pk}/"
    )


def _default_rope_holder(team: Team, worker: User, now: datetime) -> int | None:
    rope = people.rope_for(team, worker, now)
    for holder in rope.holders:
        if holder.availability.status == Status.AVAILABLE:
            return holder.user.pk
    return rope.holders[0].user.pk if rope.holders else _duty_lead(team, now)


def _duty_lead(team: Team, now: datetime) -> int | None:
    lead = people.duty_lead_at(team, now)
    if lead is not None:
        return lead.pk
    return (
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True)
        .values_list("user_id", flat=True)
        .first()
    )


def _team_leads(team_id: int) -> set[int]:
    return set(
        Membership.objects.filter(
            team_id=team_id, role=Role.LEAD, removed_at__isnull=True
        ).values_list("user_id", flat=True)
    )


def start_visit(
    *,
    actor: User,
    team: Team,
    location: str,
    expected_end: datetime,
    rope_holder_id: int | None = None,
    case_id: int | None = None,
    note: str = "",
) -> Visit:
    """Go out on a visit: someone will know where, until when, and act if I am not back."""
    require(actor, team, Permission.VIEW_TEAM)
    location, note = location.strip(), note.strip()
    if not location:
        raise InvalidInput(
            _("Say where you are going (it is never shown in notifications)."), field="location"
        )
    if len(location) > MAX_LOCATION or len(note) > MAX_NOTE:
        raise InvalidInput(
            _("Keep it short."), field="location" if len(location) > MAX_LOCATION else "note"
        )
    now = timezone.now()
    if expected_end > now + MAX_VISIT:
        raise InvalidInput(_("A visit can be at most 12 hours long."), field="expected_end")
    if rope_holder_id is None:
        rope_holder_id = _default_rope_holder(team, actor, now)
        if rope_holder_id is None or rope_holder_id == actor.pk:
            raise InvalidInput(
                _("Nobody can hold your rope: choose a colleague."), field="rope_holder_id"
            )
    elif not is_active_member(rope_holder_id, team.pk):
        raise NotFound(_("No such colleague in this team."), field="rope_holder_id")
    case = access_case(actor, case_id) if case_id is not None else None
    if case is not None and case.team_id != team.pk:
        raise NotFound(_("No such case."), field="case_id")
    chain = chain_for(team)
    try:
        visit = flow.start(
            worker=actor.pk,
            rope_holder=rope_holder_id,
            now=now,
            expected_end=expected_end,
            chain=chain,
        )
    except Refused as error:
        raise _refused(error) from None
    with transaction.atomic():
        row = Visit(
            team=team,
            worker=actor,
            case=case,
            location=location,
            note=note,
            started_at=now,
            rope_asked_at=now,
            chain_seconds=[int(c.total_seconds()) for c in visit.chain],
        )
        _save(row, visit)
        _open_chain(row)
        _ask_in_turn(row, now)
        record(
            actor=actor,
            action="visits.started",
            target=row,
            team_id=team.pk,
            data={"case": case_id, "rope_holder": rope_holder_id},
        )
        _tell(row, {rope_holder_id}, "rope_asked")
        _ask_rope_holder(row, rope_holder_id)
    return row


def _locked(visit_id: int) -> tuple[Visit, flow.Visit]:
    row = Visit.objects.select_for_update().get(pk=visit_id)
    return row, session_of(row)


def hold_rope(*, actor: User, visit: Visit) -> Visit:
    """I hold your rope: I know where you are and until when."""
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = flow.hold(session, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        engine.cancel(ladder=ROPE, subject_id=row.pk)
        record(actor=actor, action="visits.rope_held", target=row, team_id=row.team_id)
        _tell(row, _everyone_concerned(row), "rope_held")
    return row


def hand_over(*, actor: User, visit: Visit, to_id: int) -> Visit:
    """Pass the rope to a colleague (my shift ends, say); they must accept it."""
    if not is_active_member(to_id, visit.team_id):
        raise NotFound(_("No such colleague in this team."), field="to_id")
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = flow.hand_over(session, by=actor.pk, to=to_id)
        except Refused as error:
            raise _refused(error) from None
        row.rope_asked_at = timezone.now()
        _save(row, session)
        _ask_in_turn(row, row.rope_asked_at)
        record(
            actor=actor,
            action="visits.handed_over",
            target=row,
            team_id=row.team_id,
            data={"to": to_id},
        )
        _tell(row, _everyone_concerned(row) | {actor.pk}, "rope_asked")
        _ask_rope_holder(row, to_id)
    return row


def check_in(*, actor: User, visit: Visit) -> Visit:
    """I'm OK."""
    return _worker_says(
        actor, visit, "checked_in", lambda s, now: flow.check_in(s, by=actor.pk, now=now)
    )


def extend(*, actor: User, visit: Visit, minutes: int) -> Visit:
    """A new expected end: a new round of the chain from it, the last one cancelled."""
    return _worker_says(
        actor,
        visit,
        "extended",
        lambda s, now: flow.extend(s, by=actor.pk, now=now, minutes=minutes),
        then=_open_chain,
    )


def end_visit(*, actor: User, visit: Visit) -> Visit:
    """Safe, done: whatever was pending is cancelled."""
    return _worker_says(
        actor, visit, "ended", lambda s, now: flow.end(s, by=actor.pk, now=now), then=_cancel_all
    )


def _cancel_all(row: Visit) -> None:
    engine.cancel(ladder=CHAIN, subject_id=row.pk)
    engine.cancel(ladder=ROPE, subject_id=row.pk)


Change = Callable[[flow.Visit, datetime], flow.Visit]


def _worker_says(
    actor: User,
    visit: Visit,
    event: str,
    change: Change,
    *,
    then: Callable[[Visit], None] | None = None,
) -> Visit:
    with transaction.atomic():
        row, session = _locked(visit.pk)
        try:
            session = change(session, timezone.now())
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        if then is not None:
            then(row)
        record(actor=actor, action=f"visits.{event}", target=row, team_id=row.team_id)
        _tell(row, _everyone_concerned(row), event)
    return row


def raise_alarm(*, actor: User, visit: Visit) -> Escalation:
    """The big button: the rope holder and the duty lead are alerted together, at once, and
    again (widening) every repeat interval until someone says "I'm on it".

    Pressing it again (or a phone resending it after a dead zone, even once the visit has
    ended) is the same alarm: it neither alerts again nor restarts the repeats.
    """
    with transaction.atomic():
        row, session = _locked(visit.pk)
        existing = row.escalations.filter(step=ALARM).first()
        if existing is not None and actor.pk == row.worker_id:
            return existing
        try:
            session = flow.raise_alarm(session, by=actor.pk, now=timezone.now())
        except Refused as error:
            raise _refused(error) from None
        _save(row, session)
        now = session.alarm_at or timezone.now()
        told = _ids(row.rope_holder_id, _duty_lead(row.team, now))
        alarm = Escalation.objects.create(
            visit=row,
            round=0,
            step=ALARM,
            due_at=now,
            fired_at=now,
            told=sorted(told),
            channels=["in_app"],
        )
        # The first alert is the one above, never a step: it must not wait for the worker.
        engine.open_chain(ladder=ALARM_CHAIN, subject_id=row.pk, round=1, start_at=now)
        record(
            actor=actor,
            action="visits.alarm",
            target=row,
            team_id=row.team_id,
            data={"told": sorted(told)},
        )
        _tell(row, told | {row.worker_id}, "alarm")
        _alert(row, topic_of(alarm), "visit_alarm", told)
    return alarm


def _told_at(row: Visit, step: Step, now: datetime) -> tuple[set[int], str]:
    """Who a step tells, and the out-of-hours contact when the chain reaches the top."""
    if step == Step.PROMPT_WORKER:
        return {row.worker_id}, ""
    if step == Step.ROPE_HOLDER:
        return _ids(row.rope_holder_id or _duty_lead(row.team, now)), ""
    if step == Step.DUTY_LEAD:
        return _ids(_duty_lead(row.team, now)), ""
    organisation = row.team.organisation
    contact = _ids(organisation.out_of_hours_person_id)
    return _team_leads(row.team_id) | contact, organisation.out_of_hours_contact


def _email_out_of_hours(row: Visit, alert: Escalation, kind: str = "visit_overdue") -> bool:
    """E-mail the organisation's out-of-hours address (after commit): who is overdue and the
    "I'm on it" link of this alert, never where; whether there is an address to e-mail."""
    organisation = row.team.organisation
    with translation.override(settings.LANGUAGE_CODE):
        why = _(
            "You get this e-mail as the out-of-hours contact of %(organisation)s: nobody in "
            "the team has said they are on it yet. Open the link and press Confirm to tell "
            "them you are; it works once, for %(hours)s hours. Until someone is on it you are "
            "e-mailed again every %(n)s minutes."
        ) % {
            "organisation": organisation.name,
            "hours": int(links.LINK_VALID.total_seconds() // 3600),
            "n": _minutes(repeat_every()),
        }
    alert_address_later(
        kind=kind,
        about_id=row.worker_id,
        to=organisation.out_of_hours_email,
        path=links.path_for(alert),
        why=why,
    )
    return bool(organisation.out_of_hours_email)


def _minutes(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


def _ask_next_rope_holder(row: Visit, session: flow.Visit, now: datetime) -> flow.Visit:
    """Nobody accepted the rope in time: ask the worker's next rope holder, then the duty
    lead; when nobody is left, the duty lead is told that nobody holds the rope."""
    rope = [c.user.pk for c in people.rope_for(row.team, row.worker, now).holders]
    lead = _duty_lead(row.team, now)
    order = [*rope, *([lead] if lead is not None else [])]
    current = session.rope_holder
    after = order[order.index(current) + 1 :] if current in order else order
    following = next((u for u in after if u not in (row.worker_id, current)), None)
    if following is None:
        row.rope_asked_at = None
        record(actor=None, action="visits.rope_unheld", target=row, team_id=row.team_id)
        _tell(row, _ids(lead, row.worker_id), "rope_unheld")
        return session
    row.rope_asked_at = now
    record(
        actor=None,
        action="visits.rope_passed",
        target=row,
        team_id=row.team_id,
        data={"from": current, "to": following},
    )
    _tell(row, {following, row.worker_id}, "rope_asked")
    return replace(session, rope_holder=following)


def _visit_to_fire(visit_id: int, round: int) -> Visit | None:
    """The visit a step of this round is about, or None when the step has become moot.

    The engine has locked the visit's row. A step fires only on an open visit in the round
    its chain was opened for; anything else would be a chain left open by mistake, and is
    cancelled rather than left to repeat.
    """
    row = Visit.objects.select_related("team__organisation").filter(pk=visit_id).first()
    if row is None:
        return None
    if row.state == State.ENDED or row.round != round:
        engine.cancel(ladder=CHAIN, subject_id=row.pk)
        return None
    return row


def escalate(*, visit_id: int, round: int, step: Step, due_at: datetime, now: datetime) -> None:
    """One step of a visit's chain fires: the people it tells are told, once.

    Run by the engine (ladder `visits.chain`) in its transaction, with the visit locked.
    """
    row = _visit_to_fire(visit_id, round)
    if row is None:
        return
    told, contact = _told_at(row, step, now)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                visit=row,
                round=round,
                step=step,
                due_at=due_at,
                fired_at=now,
                told=sorted(told),
                channels=["in_app"],
                out_of_hours=contact,
            )
    except IntegrityError:
        return  # fired already: the second guard under the engine's own
    if step == Step.TEAM_LEAD and _email_out_of_hours(row, escalation):
        escalation.channels = ["in_app", "email"]
        escalation.save(update_fields=["channels"])
    record(
        actor=None,
        action="visits.escalated",
        target=row,
        team_id=row.team_id,
        data={"step": step.name.lower(), "round": round, "told": escalation.told},
    )
    _tell(row, told | {row.worker_id}, f"step_{step}")
    kind = "visit_prompt" if step == Step.PROMPT_WORKER else "visit_overdue"
    _alert(row, topic_of(escalation), kind, told)


def alert_again(*, visit_id: int, round: int, times: int, now: datetime) -> None:
    """Nobody has acknowledged the top step: everyone told in this round is alerted again.

    Run by the engine for each repeat of the chain's last step; `times` counts the repeats.
    """
    row = _visit_to_fire(visit_id, round)
    if row is None:
        return
    top = Escalation.objects.filter(visit=row, round=round, step=Step.TEAM_LEAD).first()
    if top is None:
        return
    fired = Escalation.objects.filter(visit=row, round=round, step__gt=Step.PROMPT_WORKER)
    told = {i for e in fired for i in e.told} - {row.worker_id}
    top.alerted_again_at, top.repeats = now, top.repeats + 1
    top.save(update_fields=["alerted_again_at", "repeats"])
    record(
        actor=None,
        action="visits.alerted_again",
        target=row,
        team_id=row.team_id,
        data={"round": round, "times": times, "told": sorted(told)},
    )
    _tell(row, told | {row.worker_id}, "step_repeated")
    _alert(row, f"{topic_of(top)}:again:{times}", "visit_overdue", told)
    _email_out_of_hours(row, top)


def _widened(row: Visit, told: set[int], times: int) -> set[int]:
    """Those an alarm tells at its `times`-th repeat (see ALARM_TEAM_LEADS_AT)."""
    organisation = row.team.organisation
    if times >= ALARM_TEAM_LEADS_AT:
        told |= _team_leads(row.team_id)
    if times >= ALARM_OUT_OF_HOURS_AT:
        told |= _ids(organisation.out_of_hours_person_id)
    return told - {row.worker_id}


def alarm_again(*, visit_id: int, times: int, now: datetime) -> None:
    """Nobody has said "I'm on it" to the alarm: everyone told is alerted again, the circle
    widening at set repeats. Whether the visit has ended does not matter.

    Run by the engine (ladder `visits.alarm`) in its transaction, with the visit locked.
    """
    row = Visit.objects.select_related("team__organisation").filter(pk=visit_id).first()
    alarm = Escalation.objects.filter(visit_id=visit_id, step=ALARM).first() if row else None
    if row is None or alarm is None or alarm.acknowledged_at is not None:
        engine.cancel(ladder=ALARM_CHAIN, subject_id=visit_id)  # nothing left to alert about
        return
    told = _widened(row, set(alarm.told), times)
    alarm.told, alarm.repeats, alarm.alerted_again_at = sorted(told), times, now
    if times >= ALARM_OUT_OF_HOURS_AT:
        alarm.out_of_hours = row.team.organisation.out_of_hours_contact
        if _email_out_of_hours(row, alarm, "visit_alarm") and "email" not in alarm.channels:
            alarm.channels = [*alarm.channels, "email"]
    alarm.save(update_fields=["told", "repeats", "alerted_again_at", "out_of_hours", "channels"])
    record(
        actor=None,
        action="visits.alarm_repeated",
        target=row,
        team_id=row.team_id,
        data={"times": times, "told": alarm.told},
    )
    _tell(row, told | {row.worker_id}, "alarm_repeated")
    _alert(row, f"{topic_of(alarm)}:again:{times}", "visit_alarm", told)


def rope_unanswered(*, visit_id: int, now: datetime) -> None:
    """The rope holder asked has not accepted in time: ask the next one (ladder `visits.rope`)."""
    row = Visit.objects.select_related("team").filter(pk=visit_id).first()
    if row is None:
        return
    if (
        row.state != State.AWAITING_ROPE
        or row.rope_asked_at is None
        or row.rope_asked_at + ROPE_WAIT > now
    ):
        engine.cancel(ladder=ROPE, subject_id=row.pk)  # accepted or ended meanwhile
        return
    session = _ask_next_rope_holder(row, session_of(row), now)
    _save(row, session)
    if row.rope_asked_at is None:  # nobody left to ask: the visit's own chain still runs
        engine.cancel(ladder=ROPE, subject_id=row.pk)
    else:
        _ask_in_turn(row, now)


def _may_take(actor: User, escalation: Escalation) -> None:
    if not may_take(actor, escalation.visit, escalation):
        raise Forbidden(_("This alert was not sent to you."))


def acknowledge(*, actor: User, escalation: Escalation) -> Escalation:
    """I'm on it: whoever was told (or a lead) takes ownership, and the chain stops there.

    A human has taken it, so the chain's later steps and the top step's repeats are moot:
    the engine records who acknowledged. The alarm has a chain of its own (`visits.alarm`):
    taking the alarm stops its repeats, taking a step of the chain stops the chain.
    """
    _may_take(actor, escalation)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=escalation.visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if row.acknowledged_by_id is None:
            row.acknowledged_by, row.acknowledged_at = actor, timezone.now()
            row.save(update_fields=["acknowledged_by", "acknowledged_at"])
            _take_chain(actor, visit, row)
            record(
                actor=actor,
                action="visits.acknowledged",
                target=visit,
                team_id=visit.team_id,
                data={"step": row.step},
            )
            _tell(visit, set(row.told) | {visit.worker_id, actor.pk}, "acknowledged")
    return row


def acknowledge_by_link(*, visit_id: int, token: str) -> Escalation:
    """The out-of-hours contact confirms "I'm on it" by the e-mailed link (no account): the
    alert is taken as theirs and its chain stops, once; LinkRefused when it cannot be."""
    found = links.access_escalation_by_link(visit_id, token)  # a bad link takes no lock
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=found.pk)
        links.refuse_if_settled(row, visit)  # again under the lock: two clicks race
        row.acknowledged_at, row.acknowledged_by_out_of_hours_email = timezone.now(), True
        row.save(update_fields=["acknowledged_at", "acknowledged_by_out_of_hours_email"])
        _take_chain(None, visit, row)
        record(
            actor=None,
            action="visits.acknowledged",
            target=visit,
            team_id=visit.team_id,
            data={"step": row.step, "by": "out_of_hours_email"},
        )
        _tell(visit, set(row.told) | {visit.worker_id}, "acknowledged")
    return row


def _take_chain(actor: User | None, visit: Visit, escalation: Escalation) -> None:
    """Acknowledge the alarm's repeats, or the visit's open chain when this alert is of its
    current round."""
    if escalation.step == ALARM:
        engine.acknowledge(ladder=ALARM_CHAIN, subject_id=visit.pk, by=actor)
    elif escalation.round == visit.round:
        engine.acknowledge(ladder=CHAIN, subject_id=visit.pk, by=actor)


def resolve(*, actor: User, escalation: Escalation, outcome: str) -> Escalation:
    """What happened: "reached them, safe", "called the police"..."""
    outcome = outcome.strip()
    if not outcome:
        raise InvalidInput(_("Say what happened."), field="outcome")
    _may_take(actor, escalation)
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=escalation.visit_id)  # subject first
        row = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if row.resolved_by_id is not None:
            # What was recorded first stands; a second answer would overwrite it.
            raise Conflict(_("What happened has already been recorded for this alert."))
        row.resolved_by, row.resolved_at, row.outcome = actor, timezone.now(), outcome[:MAX_NOTE]
        row.save(update_fields=["resolved_by", "resolved_at", "outcome"])
        _take_chain(actor, visit, row)  # whoever says what happened has taken it
        record(
            actor=actor,
            action="visits.resolved",
            target=visit,
            team_id=visit.team_id,
            data={"step": row.step},
        )
        _tell(visit, set(row.told) | {visit.worker_id, actor.pk}, "resolved")
    return row
