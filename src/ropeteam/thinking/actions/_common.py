"""What every Thinking Together action shares: limits, refusals, the lock, telling."""

from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.cases.access import access_case
from ropeteam.cases.models import Case
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.notify.tasks import alert_later
from ropeteam.people.access import active_members
from ropeteam.people.models import Team, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.thinking import flow
from ropeteam.thinking.events import ThinkingChanged
from ropeteam.thinking.flow import Circle, Met, NextStep, Refused, State, Step
from ropeteam.thinking.models import Consultation, Participant

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


def _check_steadiness(steadiness: int | None, *, field: str) -> None:
    if steadiness is not None and steadiness not in flow.STEADINESS:
        raise InvalidInput(_("Steadiness is a number from 0 to 10."), field=field)


def _case_in_team(actor: User, team: Team, case_id: int | None) -> Case | None:
    """The case it is about, if any: one of this team's that the actor may see, or a 404."""
    if case_id is None:
        return None
    case = access_case(actor, case_id)
    if case.team_id != team.pk:
        raise NotFound(_("No such case."), field="case_id")
    return case


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
