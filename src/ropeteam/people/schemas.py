from datetime import datetime

from ninja import Field, Schema

from ropeteam.people.flow import Grade, Role, Status
from ropeteam.people.queries import Colleague, Rope


class AvailabilityOut(Schema):
    status: Status
    until: datetime | None


class AvailabilityIn(Schema):
    status: Status
    until: datetime | None = None


class TeamOut(Schema):
    id: int
    name: str
    organisation_id: int
    organisation: str


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


class MemberIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: Role
    grade: Grade
    profession: str = Field("", max_length=80)


class MemberPatch(Schema):
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


class RopeHoldersIn(Schema):
    holder_ids: list[int] = Field(max_length=20)


class InvitationIn(Schema):
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


class ShiftIn(Schema):
    lead_id: int
    starts_at: datetime
    ends_at: datetime


class ShiftOut(Schema):
    id: int
    lead_id: int
    lead_name: str
    starts_at: datetime
    ends_at: datetime


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself; shown only once.")


class TeamIn(Schema):
    name: str = Field(min_length=1, max_length=120)
