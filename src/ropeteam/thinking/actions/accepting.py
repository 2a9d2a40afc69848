"""Answering a request: accepting, declining, cancelling."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import InvalidInput, parse_choice
from ropeteam.escalation import engine
from ropeteam.people.models import Team, User
from ropeteam.thinking import flow
from ropeteam.thinking.actions._common import LADDER, MAX_NOTE, _locked, _refused, _tell
from ropeteam.thinking.actions.widening import widen_now
from ropeteam.thinking.flow import Circle, Mode, Refused, Step, Task, Urgency
from ropeteam.thinking.models import Asked, Consultation, StepChange


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
