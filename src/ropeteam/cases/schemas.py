from datetime import datetime

from ninja import Field, Schema

from ropeteam.cases.flow import AgeBand, RiskLevel
from ropeteam.cases.models import Case, RiskChange
from ropeteam.people.schemas import InputSchema, RowId

PSEUDONYM_HINT = "Pseudonymised: never a name, address, contact detail or date of birth."


class CaseOut(Schema):
    id: int
    team_id: int
    reference: str
    initials: str
    age_band: AgeBand
    risk_level: RiskLevel
    keyworker_ids: list[int]
    created_at: datetime

    @staticmethod
    def of(case: Case) -> "CaseOut":
        return CaseOut(
            id=case.pk,
            team_id=case.team_id,
            reference=case.reference,
            initials=case.initials,
            age_band=AgeBand(case.age_band),
            risk_level=RiskLevel(case.risk_level),
            keyworker_ids=sorted(u.pk for u in case.keyworkers.all()),
            created_at=case.created_at,
        )


class RiskChangeOut(Schema):
    id: int
    changed_by_id: int
    changed_by: str
    changed_at: datetime
    from_level: RiskLevel | None
    to_level: RiskLevel
    reason: str

    @staticmethod
    def of(change: RiskChange) -> "RiskChangeOut":
        return RiskChangeOut(
            id=change.pk,
            changed_by_id=change.changed_by_id,
            changed_by=change.changed_by.name,
            changed_at=change.changed_at,
            from_level=RiskLevel(change.from_level) if change.from_level else None,
            to_level=RiskLevel(change.to_level),
            reason=change.reason,
        )


class CaseDetailOut(CaseOut):
    risk_history: list[RiskChangeOut]


class CaseIn(InputSchema):
    reference: str = Field(min_length=2, max_length=24, description="The team's own reference.")
    initials: str = Field(min_length=1, max_length=5, description=PSEUDONYM_HINT)
    age_band: AgeBand
    risk_level: RiskLevel
    keyworker_ids: list[RowId] = Field(default_factory=list, max_length=10)
    reason: str = Field("", max_length=500, description=PSEUDONYM_HINT)


class CasePatch(InputSchema):
    initials: str | None = Field(None, min_length=1, max_length=5)
    age_band: AgeBand | None = None
    keyworker_ids: list[RowId] | None = Field(None, max_length=10)


class RiskChangeIn(InputSchema):
    level: RiskLevel
    reason: str = Field(min_length=1, max_length=500, description=PSEUDONYM_HINT)
