"""Pseudonymised cases and their risk levels over HTTP; every read is audited."""

from django.http import HttpRequest
from ninja import Router, Status

from ropeteam.cases import actions, queries
from ropeteam.cases.access import access_case
from ropeteam.cases.schemas import (
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePatch,
    RiskChangeIn,
    RiskChangeOut,
)
from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.flow import Permission
from ropeteam.people.schemas import PathId, QueryId

router = Router(tags=["cases"])


@router.get(
    "/teams/{team_id}/cases",
    response=list[CaseOut],
    summary="The team's open cases, highest risk first",
)
def list_cases(
    request: HttpRequest, team_id: PathId, keyworker_id: QueryId | None = None
) -> list[CaseOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.VIEW_CASES)
    keyworker = None
    if keyworker_id is not None:
        membership = team.memberships.select_related("user").filter(user_id=keyworker_id).first()
        if membership is None:
            return []  # nobody by that id ever worked in this team: no cases to read
        keyworker = membership.user
    return [CaseOut.of(c) for c in queries.list_cases(viewer=user, team=team, keyworker=keyworker)]


@router.post("/teams/{team_id}/cases", response={201: CaseOut}, summary="Open a case")
def open_case(request: HttpRequest, team_id: PathId, payload: CaseIn) -> Status[CaseOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_CASES)
    case = actions.open_case(
        actor=user,
        team=team,
        reference=payload.reference,
        initials=payload.initials,
        age_band=payload.age_band,
        risk_level=payload.risk_level,
        keyworker_ids=payload.keyworker_ids,
        reason=payload.reason,
    )
    return Status(201, CaseOut.of(case))


@router.get("/cases/{case_id}", response=CaseDetailOut, summary="One case with its risk history")
def get_case(request: HttpRequest, case_id: PathId) -> CaseDetailOut:
    user = actor(request)
    case, history = queries.view_case(viewer=user, case=access_case(user, case_id))
    return CaseDetailOut(
        **CaseOut.of(case).dict(), risk_history=[RiskChangeOut.of(c) for c in history]
    )


@router.patch(
    "/cases/{case_id}",
    response=CaseOut,
    summary="Correct initials or age band, or change keyworkers",
)
def update_case(request: HttpRequest, case_id: PathId, payload: CasePatch) -> CaseOut:
    user = actor(request)
    case = access_case(user, case_id, need=Permission.EDIT_CASES)
    case = actions.update_case(
        actor=user,
        case=case,
        initials=payload.initials,
        age_band=payload.age_band,
        keyworker_ids=payload.keyworker_ids,
    )
    return CaseOut.of(case)


@router.post(
    "/cases/{case_id}/risk",
    response={201: RiskChangeOut},
    summary="Change the risk level, saying why",
)
def change_risk(
    request: HttpRequest, case_id: PathId, payload: RiskChangeIn
) -> Status[RiskChangeOut]:
    user = actor(request)
    case = access_case(user, case_id, need=Permission.CHANGE_RISK)
    change = actions.change_risk(actor=user, case=case, level=payload.level, reason=payload.reason)
    return Status(201, RiskChangeOut.of(change))
