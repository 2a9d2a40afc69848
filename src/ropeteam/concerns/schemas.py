from datetime import datetime
from enum import StrEnum
from typing import Annotated

from ninja import Field, Schema

from ropeteam.concerns.actions import MAX_PART, MAX_REPLY, Statement
from ropeteam.concerns.flow import Level, Resolution, Response, State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.concerns.queries import Activity, Detail
from ropeteam.people.schemas import InputSchema, RowId, values_in_place


class LevelName(StrEnum):
    PROBE = "probe"
    ALERT = "alert"
    CHALLENGE = "challenge"
    ESCALATE = "escalate"


def level_name(level: int) -> LevelName:
    return LevelName(Level(level).name.lower())


class StatementIn(InputSchema):
    noticed: str = Field("", max_length=MAX_PART, description="What I noticed.")
    matters: str = Field("", max_length=MAX_PART, description="Why it matters to me.")
    suggest: str = Field("", max_length=MAX_PART, description="What I suggest.")
    asking: str = Field("", max_length=MAX_PART, description="What I am asking of you.")

    def statement(self) -> Statement:
        return Statement(self.noticed, self.matters, self.suggest, self.asking)


class RaiseIn(StatementIn):
    colleague_id: RowId
    level: LevelName = Field(description="Start with curiosity (probe); challenge if urgent.")
    case_id: RowId | None = None


class RespondIn(InputSchema):
    response: Response
    text: str = Field("", max_length=MAX_REPLY, description="My reply (not needed to accept).")


class ConcernResolveIn(InputSchema):
    resolution: Resolution
    text: str = Field("", max_length=MAX_REPLY)


class ConcernOut(Schema):
    """What the raiser, the colleague and (once escalated) whoever it went to see."""

    id: int
    team_id: int
    raiser_id: int
    raiser: str
    colleague_id: int
    colleague: str
    escalate_to_id: int | None = Field(description="Shown once it has been escalated.")
    escalate_to: str | None
    level: LevelName
    state: Annotated[State, values_in_place(State)]
    challenges: int
    case_id: int | None
    case_reference: str | None
    created_at: datetime
    due_at: datetime | None
    escalated_at: datetime | None
    first_response_at: datetime | None
    resolution: Resolution | None
    resolved_at: datetime | None
    conversation_id: int
    consultation_id: int | None

    @staticmethod
    def of(c: Concern) -> "ConcernOut":
        escalated = c.escalated_at is not None
        return ConcernOut(
            id=c.pk,
            team_id=c.team_id,
            raiser_id=c.raiser_id,
            raiser=c.raiser.name,
            colleague_id=c.colleague_id,
            colleague=c.colleague.name,
            escalate_to_id=c.escalate_to_id if escalated else None,
            escalate_to=c.escalate_to.name if escalated else None,
            level=level_name(c.level),
            state=State(c.state),
            challenges=c.challenges,
            case_id=c.case_id,
            case_reference=c.case.reference if c.case else None,
            created_at=c.created_at,
            due_at=c.due_at,
            escalated_at=c.escalated_at,
            first_response_at=c.first_response_at,
            resolution=Resolution(c.resolution) if c.resolution else None,
            resolved_at=c.resolved_at,
            conversation_id=c.conversation_id,
            consultation_id=c.consultation_id,
        )


class EntryOut(Schema):
    kind: Annotated[Entry.Kind, values_in_place(Entry.Kind)]
    level: LevelName
    by_id: int | None
    by: str | None
    at: datetime
    noticed: str
    matters: str
    suggest: str
    asking: str
    response: Response | None
    resolution: Resolution | None
    text: str

    @staticmethod
    def of(e: Entry) -> "EntryOut":
        return EntryOut(
            kind=Entry.Kind(e.kind),
            level=level_name(e.level),
            by_id=e.by_id,
            by=e.by.name if e.by else None,
            at=e.at,
            noticed=e.noticed,
            matters=e.matters,
            suggest=e.suggest,
            asking=e.asking,
            response=Response(e.response) if e.response else None,
            resolution=Resolution(e.resolution) if e.resolution else None,
            text=e.text,
        )


class ConcernDetailOut(ConcernOut):
    entries: list[EntryOut]

    @staticmethod
    def of_detail(d: Detail) -> "ConcernDetailOut":
        return ConcernDetailOut(
            **ConcernOut.of(d.concern).model_dump(),
            entries=[EntryOut.of(e) for e in d.entries],
        )


class FigureOut(Schema):
    key: str
    count: int | None = Field(description="None: fewer than the threshold, so not shown.")


class ConcernActivityOut(Schema):
    """Figures only: no names, no words, no group smaller than min_group."""

    since: datetime
    min_group: int
    raised: int | None
    by_level: list[FigureOut]
    by_direction: list[FigureOut]
    answered_before_escalation: int | None
    median_response_seconds: float | None

    @staticmethod
    def of(a: Activity) -> "ConcernActivityOut":
        return ConcernActivityOut(
            since=a.since,
            min_group=a.min_group,
            raised=a.raised,
            by_level=[FigureOut(key=f.key, count=f.count) for f in a.by_level],
            by_direction=[FigureOut(key=f.key, count=f.count) for f in a.by_direction],
            answered_before_escalation=a.answered_before_escalation,
            median_response_seconds=a.median_response_seconds,
        )


class TimesIn(InputSchema):
    probe_seconds: int = Field(ge=1, le=30 * 86400)
    alert_seconds: int = Field(ge=1, le=30 * 86400)
    challenge_seconds: int = Field(ge=1, le=30 * 86400)
    escalate_seconds: int = Field(ge=1, le=30 * 86400)
    next_up_id: RowId | None = Field(None, description="Who is above the team lead.")


class TimesOut(Schema):
    probe_seconds: int
    alert_seconds: int
    challenge_seconds: int
    escalate_seconds: int
    next_up_id: int | None
