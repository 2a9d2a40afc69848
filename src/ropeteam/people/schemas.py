from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from ninja.params import functions as param_functions
from pydantic import AfterValidator, WithJsonSchema, field_validator

from ropeteam.core.text import text_refusal
from ropeteam.people.flow import Grade, Role, Status
from ropeteam.people.models import DutyShift, Team
from ropeteam.people.queries import Colleague, Rope

# A database id: larger numbers cannot be stored, and SQLite fails on them in an IN (...).
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# The same for ids in a path or query string: beyond this range nothing can exist, and the
# databases would fail on the number rather than find nothing.
PathId = Annotated[int, param_functions.Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, param_functions.Query(ge=1, le=MAX_ID)]


def _storable(moment: datetime) -> datetime:
    # Stored in UTC: 9999-12-31 23:00-05:00 is a valid datetime that no database can hold.
    try:
        (timezone.make_aware(moment) if timezone.is_naive(moment) else moment).astimezone(UTC)
    except OverflowError:
        raise ValueError("Choose a time between the years 1 and 9999.") from None
    return moment


Moment = Annotated[datetime, AfterValidator(_storable)]


def values_in_place(enum: type[Enum]) -> WithJsonSchema:
    """An enum's values written where a field uses it, not as a named component.

    For an enum whose name another domain also uses (every flow has a `State`): the OpenAPI
    document keeps one component per name, so a shared name would describe every such field
    with the last domain's values.
    """
    return WithJsonSchema({"type": "string", "enum": [member.value for member in enum]})


class InputSchema(Schema):
    """A request body: text no database can store (NUL, half a surrogate pair) is refused
    before it reaches one."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_unstorable(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text, and no database can encode half of a surrogate
        # pair (JSON's "\\ud800"; pydantic refuses one only where a length is limited), so
        # either could reach the database and be a 500. The words are the socket's too.
        refusal = text_refusal(value) if isinstance(value, str) else None
        if refusal is not None:
            raise ValueError(refusal)
        return value


class AvailabilityOut(Schema):
    status: Status
    until: datetime | None


class AvailabilityIn(InputSchema):
    status: Status
    until: Moment | None = Field(
        None,
        description=(
            "When the status ends; none means until changed. An until equal to the current "
            "one (to the minute) is dropped when the status changes: it belonged to the old "
            "status."
        ),
    )


class TeamOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation: str

    @staticmethod
    def of(team: Team) -> "TeamOut":
        return TeamOut(
            id=team.pk,
            name=team.name,
            organisation_id=team.organisation_id,
            organisation=team.organisation.name,
        )


class MyTeamOut(TeamOut):
    role: Role | None
    grade: Grade | None


class MeOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    availability: AvailabilityOut
    teams: list[MyTeamOut]
    organisation_admin_of: list[int]


class MemberOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    role: Role
    grade: Grade
    profession: str
    availability: AvailabilityOut

    @staticmethod
    def of(colleague: Colleague) -> "MemberOut":
        user = colleague.user
        return MemberOut(
            id=user.pk,
            username=user.username,
            name=user.name,
            phone=user.phone,
            role=colleague.role,
            grade=colleague.grade,
            profession=colleague.profession,
            availability=AvailabilityOut(
                status=colleague.availability.status, until=colleague.availability.until
            ),
        )


class MemberIn(InputSchema):
    username: str = Field(min_length=1, max_length=150)
    role: Role
    grade: Grade
    profession: str = Field("", max_length=80)


class MemberPatch(InputSchema):
    role: Role | None = None
    grade: Grade | None = None
    profession: str | None = Field(None, max_length=80)


class RopeOut(Schema):
    worker_id: int
    holders: list[MemberOut]
    duty_lead: MemberOut | None
    first_available_id: int | None

    @staticmethod
    def of(rope: Rope) -> "RopeOut":
        return RopeOut(
            worker_id=rope.worker.pk,
            holders=[MemberOut.of(h) for h in rope.holders],
            duty_lead=MemberOut.of(rope.duty_lead) if rope.duty_lead else None,
            first_available_id=rope.first_available.user.pk if rope.first_available else None,
        )


class RopeHoldersIn(InputSchema):
    holder_ids: list[RowId] = Field(max_length=20)


class InvitationIn(InputSchema):
    role: Role
    grade: Grade
    note: str = Field("", max_length=120, description="Who it is for, to recognise it later.")


class InvitationOut(Schema):
    id: int
    role: Role
    grade: Grade
    note: str
    created_at: datetime
    expires_at: datetime


class InvitationCreatedOut(InvitationOut):
    url: str = Field(description="The link to send; it is shown only once.")


class ShiftIn(InputSchema):
    lead_id: RowId
    starts_at: Moment
    ends_at: Moment


class ShiftOut(Schema):
    id: int
    lead_id: int
    lead_name: str
    starts_at: datetime
    ends_at: datetime

    @staticmethod
    def of(shift: DutyShift) -> "ShiftOut":
        return ShiftOut(
            id=shift.pk,
            lead_id=shift.lead_id,
            lead_name=shift.lead.name,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
        )


class TokenIn(InputSchema):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself; shown only once.")


class TeamIn(InputSchema):
    name: str = Field(min_length=1, max_length=120)


class AccountPatch(InputSchema):
    is_active: bool


class AccountOut(Schema):
    id: int
    username: str
    is_active: bool
