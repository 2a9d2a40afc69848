from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from ropeteam.escalation.models import Chain
from ropeteam.people.schemas import InputSchema, Moment, RowId, values_in_place
from ropeteam.thinking.actions import MAX_ACTIONS, MAX_INVITED, MAX_NOTE, MAX_NOTES
from ropeteam.thinking.flow import AgendaKind, Met, Mode, NextStep, State, Step, Task, Urgency
from ropeteam.thinking.models import AgreedAction, Consultation
from ropeteam.thinking.queries import Activity, Agenda, Detail

Steadiness = Field(None, ge=0, le=10, description="How steady I feel, 0 to 10.")


class RequestIn(InputSchema):
    task: Task
    task_note: str = Field("", max_length=MAX_NOTE, description="What I want, in one sentence.")
    urgency: Urgency
    mode: Mode
    ask: str = Field(description="named, rope (my rope holders) or team (anyone available)")
    named_id: RowId | None = None
    case_id: RowId | None = None
    steadiness: int | None = Steadiness


class ConsultationOut(Schema):
    """What anyone asked or taking part sees: no notes."""

    id: int
    team_id: int
    seeker_id: int
    seeker: str
    task: Task
    task_note: str
    urgency: Urgency
    mode: Mode
    case_id: int | None
    case_reference: str | None
    state: Annotated[State, values_in_place(State)]
    circle: int
    helper_id: int | None
    facilitator_id: int | None
    step: Step | None
    created_at: datetime
    accepted_at: datetime | None
    finished_at: datetime | None
    widen_at: datetime | None
    duty_lead_alerted_at: datetime | None
    conversation_id: int | None
    is_quick_record: bool
    follows_id: int | None = Field(
        description="The Thinking Together this one carries on from (the quorum was widened)."
    )

    @staticmethod
    def of(c: Consultation) -> "ConsultationOut":
        return ConsultationOut(
            id=c.pk,
            team_id=c.team_id,
            seeker_id=c.seeker_id,
            seeker=c.seeker.name,
            task=Task(c.task),
            task_note=c.task_note,
            urgency=Urgency(c.urgency),
            mode=Mode(c.mode),
            case_id=c.case_id,
            case_reference=c.case.reference if c.case else None,
            state=State(c.state),
            circle=c.circle,
            helper_id=c.helper_id,
            facilitator_id=c.facilitator_id,
            step=Step(c.step) if c.step else None,
            created_at=c.created_at,
            accepted_at=c.accepted_at,
            finished_at=c.finished_at,
            widen_at=c.widen_at,
            duty_lead_alerted_at=c.duty_lead_alerted_at,
            conversation_id=c.conversation_id,
            is_quick_record=c.is_quick_record,
            follows_id=c.follows_id,
        )


class AskedOut(Schema):
    user_id: int
    circle: int
    asked_at: datetime
    declined_at: datetime | None
    later_at: datetime | None


class StepOut(Schema):
    step: Step
    by_id: int
    at: datetime


class ActionOut(Schema):
    id: int
    consultation_id: int
    owner_id: int
    what: str
    due_at: datetime | None
    done_at: datetime | None

    @staticmethod
    def of(a: AgreedAction) -> "ActionOut":
        return ActionOut(
            id=a.pk,
            consultation_id=a.consultation_id,
            owner_id=a.owner_id,
            what=a.what,
            due_at=a.due_at,
            done_at=a.done_at,
        )


class OutcomeOut(Schema):
    met: Met
    next_step: NextStep
    steadiness_before: int | None
    steadiness_after: int | None
    product: str | None = Field(description="Only for those in the session.")
    notes: str | None = Field(description="Only for those in the session.")


class DetailOut(ConsultationOut):
    asked: list[AskedOut]
    steps: list[StepOut]
    others: list[int]
    outcome: OutcomeOut | None
    actions: list[ActionOut]
    followed_by_id: int | None = Field(
        description="Where the thinking carried on when the quorum was widened at step 4."
    )

    @staticmethod
    def of_detail(d: Detail) -> "DetailOut":
        c = d.consultation
        outcome = None
        if c.met:
            outcome = OutcomeOut(
                met=Met(c.met),
                next_step=NextStep(c.next_step),
                steadiness_before=c.steadiness_before,
                steadiness_after=c.steadiness_after,
                product=c.product if d.can_read_notes else None,
                notes=c.notes if d.can_read_notes else None,
            )
        return DetailOut(
            **ConsultationOut.of(c).dict(),
            asked=[
                AskedOut(
                    user_id=a.user_id,
                    circle=a.circle,
                    asked_at=a.asked_at,
                    declined_at=a.declined_at,
                    later_at=a.later_at,
                )
                for a in d.asked
            ],
            steps=[StepOut(step=Step(s.step), by_id=s.by_id, at=s.at) for s in d.steps],
            others=[u.pk for u in d.others],
            outcome=outcome,
            actions=[ActionOut.of(a) for a in d.actions],
            followed_by_id=d.followed_by_id,
        )


class DeclineIn(InputSchema):
    reason: str = Field("", max_length=MAX_NOTE)
    later_at: Moment | None = Field(None, description="A time I could do it instead.")


class StepIn(InputSchema):
    step: Step


class InviteIn(InputSchema):
    colleague_id: RowId


class FacilitatorIn(InputSchema):
    facilitator_id: RowId


class AgreedIn(InputSchema):
    owner_id: RowId
    what: str = Field(min_length=1, max_length=MAX_NOTE)
    due_at: Moment | None = None


class OutcomeIn(InputSchema):
    met: Met
    next_step: NextStep
    product: str = Field("", max_length=MAX_NOTES)
    steadiness_after: int | None = Steadiness
    notes: str = Field("", max_length=MAX_NOTES)
    actions: list[AgreedIn] = Field(default_factory=list, max_length=MAX_ACTIONS)
    invited_ids: list[RowId] = Field(
        default_factory=list,
        max_length=MAX_INVITED,
        description="With next_step widen: the colleagues to bring in (at least one). The "
        "session closes and carries on at once in a follow-up with them (`followed_by_id`).",
    )


class QuickIn(InputSchema):
    helper_id: RowId
    task: Task
    mode: Mode
    met: Met
    next_step: NextStep
    case_id: RowId | None = None
    product: str = Field("", max_length=MAX_NOTES)
    steadiness_before: int | None = Steadiness
    steadiness_after: int | None = Steadiness
    notes: str = Field("", max_length=MAX_NOTES)
    happened_at: Moment | None = None


class ShareIn(InputSchema):
    shared: bool


class WaitsIn(InputSchema):
    now_seconds: int = Field(ge=1, le=3600)
    within_hour_seconds: int = Field(ge=1, le=4 * 3600)
    today_seconds: int = Field(ge=1, le=24 * 3600)


class WaitsOut(Schema):
    now_seconds: int
    within_hour_seconds: int
    today_seconds: int


class ActivityOut(Schema):
    since: datetime
    requested: int
    closed: int
    cancelled: int
    waiting: int
    by_mode: dict[str, int]
    by_met: dict[str, int]
    by_next_step: dict[str, int]
    median_response_seconds: float | None
    mean_steadiness_change: float | None

    @staticmethod
    def of(a: Activity) -> "ActivityOut":
        return ActivityOut(**a.__dict__)


class EmergencyOut(Schema):
    """Emergency procedures chosen in a Thinking Together: who has taken it, if anyone."""

    consultation: int
    seeker: int
    state: str  # "open" (nobody has said "I'm on it" yet), "acknowledged" or "cancelled"
    declared_at: datetime
    acknowledged_by: int | None
    acknowledged_at: datetime | None

    @staticmethod
    def waiting(consultation: Consultation, declared_at: datetime) -> "EmergencyOut":
        return EmergencyOut(
            consultation=consultation.pk,
            seeker=consultation.seeker_id,
            state="open",
            declared_at=declared_at,
            acknowledged_by=None,
            acknowledged_at=None,
        )

    @staticmethod
    def of(chain: Chain, seeker_id: int) -> "EmergencyOut":
        return EmergencyOut(
            consultation=chain.subject_id,
            seeker=seeker_id,
            state=chain.state,
            declared_at=chain.opened_at,
            acknowledged_by=chain.acknowledged_by_id,
            acknowledged_at=chain.acknowledged_at,
        )


class AgendaItemOut(Schema):
    """A Thinking Together to take to formal supervision or the next team meeting."""

    id: int
    team_id: int
    kind: AgendaKind
    consultation_id: int
    case_id: int | None
    raised_by_id: int
    raised_by: str
    created_at: datetime
    handled_at: datetime | None
    task: Task
    can_open: bool = Field(
        description="Whether you may read the Thinking Together (you were in it or asked, "
        "or the help-seeker shared it for supervision)."
    )
    task_note: str | None = Field(description="Only when can_open.")

    @staticmethod
    def of(a: Agenda) -> "AgendaItemOut":
        item, consultation = a.item, a.item.consultation
        return AgendaItemOut(
            id=item.pk,
            team_id=item.team_id,
            kind=AgendaKind(item.kind),
            consultation_id=item.consultation_id,
            case_id=item.case_id,
            raised_by_id=item.raised_by_id,
            raised_by=item.raised_by.name,
            created_at=item.created_at,
            handled_at=item.handled_at,
            task=Task(consultation.task),
            can_open=a.can_open,
            task_note=consultation.task_note if a.can_open else None,
        )
