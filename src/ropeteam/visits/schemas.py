from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from ropeteam.escalation.engine import next_due
from ropeteam.notify.models import Alert
from ropeteam.people.schemas import InputSchema, Moment, RowId, values_in_place
from ropeteam.visits.actions import MAX_LOCATION, MAX_NOTE, topic_of
from ropeteam.visits.flow import CHAIN, State
from ropeteam.visits.models import Escalation, Visit


class VisitIn(InputSchema):
    location: str = Field(
        min_length=1, max_length=MAX_LOCATION, description="Encrypted; never in notifications."
    )
    expected_end: Moment
    rope_holder_id: RowId | None = Field(
        None, description="Default: my first available rope holder."
    )
    case_id: RowId | None = None
    note: str = Field("", max_length=MAX_NOTE, description="For the rope holder.")


class AlertDeliveryOut(Schema):
    """A push or e-mail an alert made, and what became of it."""

    user_id: int
    channel: str
    state: str


class EscalationOut(Schema):
    id: int
    round: int
    step: int = Field(description="0 prompt, 1 rope holder, 2 duty lead, 3 team lead, 9 alarm")
    due_at: datetime
    fired_at: datetime
    told: list[int]
    channels: list[str] = Field(description="in_app, plus push and email where one was made")
    deliveries: list[AlertDeliveryOut]
    out_of_hours: str
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    acknowledged_by_out_of_hours_email: bool = Field(
        description="acknowledged by the out-of-hours contact through the e-mailed link"
    )
    resolved_by_id: int | None
    resolved_at: datetime | None
    outcome: str

    @staticmethod
    def of(e: Escalation, deliveries: list[AlertDeliveryOut] | None = None) -> "EscalationOut":
        deliveries = deliveries or []
        channels = list(e.channels) + sorted({d.channel for d in deliveries} - set(e.channels))
        return EscalationOut(
            id=e.pk,
            round=e.round,
            step=e.step,
            due_at=e.due_at,
            fired_at=e.fired_at,
            told=list(e.told),
            channels=channels,
            deliveries=deliveries,
            out_of_hours=e.out_of_hours,
            acknowledged_by_id=e.acknowledged_by_id,
            acknowledged_at=e.acknowledged_at,
            acknowledged_by_out_of_hours_email=e.acknowledged_by_out_of_hours_email,
            resolved_by_id=e.resolved_by_id,
            resolved_at=e.resolved_at,
            outcome=e.outcome,
        )


class VisitOut(Schema):
    id: int
    team_id: int
    worker_id: int
    worker: str
    rope_holder_id: int | None
    case_id: int | None
    location: str
    note: str
    state: Annotated[State, values_in_place(State)]
    started_at: datetime
    expected_end: datetime
    round: int
    alarm_at: datetime | None
    last_check_in: datetime | None
    ended_at: datetime | None
    next_due_at: datetime | None = Field(
        description="when the chain's next step (or the top step's next repeat) is due"
    )
    escalations: list[EscalationOut]

    @staticmethod
    def of(v: Visit) -> "VisitOut":
        escalations = list(v.escalations.all())
        sent: dict[str, list[AlertDeliveryOut]] = {}
        for topic, user_id, channel, state in Alert.objects.filter(
            topic__startswith=f"visit:{v.pk}:"
        ).values_list("topic", "user_id", "channel", "state"):
            sent.setdefault(topic, []).append(
                AlertDeliveryOut(user_id=user_id, channel=channel, state=state)
            )
        return VisitOut(
            id=v.pk,
            team_id=v.team_id,
            worker_id=v.worker_id,
            worker=v.worker.name,
            rope_holder_id=v.rope_holder_id,
            case_id=v.case_id,
            location=v.location,
            note=v.note,
            state=State(v.state),
            started_at=v.started_at,
            expected_end=v.expected_end,
            round=v.round,
            alarm_at=v.alarm_at,
            last_check_in=v.last_check_in,
            ended_at=v.ended_at,
            next_due_at=next_due(ladder=CHAIN, subject_id=v.pk),
            escalations=[EscalationOut.of(e, sent.get(topic_of(e), [])) for e in escalations],
        )


class HandOverIn(InputSchema):
    to_id: RowId


class ExtendIn(InputSchema):
    minutes: int = Field(ge=1, le=8 * 60)


class ResolveIn(InputSchema):
    outcome: str = Field(min_length=1, max_length=MAX_NOTE)


class ChainIn(InputSchema):
    prompt_seconds: int = Field(ge=0, le=24 * 3600)
    rope_holder_seconds: int = Field(ge=1, le=24 * 3600)
    duty_lead_seconds: int = Field(ge=1, le=24 * 3600)
    team_lead_seconds: int = Field(ge=1, le=24 * 3600)


class ChainOut(ChainIn):
    pass
