"""Field visits over HTTP: go out, hold the rope, check in, the alarm, the alerts."""

from datetime import timedelta

from django.http import HttpRequest
from ninja import Router, Status

from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.flow import Permission
from ropeteam.people.schemas import PathId
from ropeteam.visits import actions, queries
from ropeteam.visits.access import access_escalation, access_visit
from ropeteam.visits.flow import Step
from ropeteam.visits.schemas import (
    ChainIn,
    ChainOut,
    EscalationOut,
    ExtendIn,
    HandOverIn,
    ResolveIn,
    VisitIn,
    VisitOut,
)

router = Router(tags=["field visits"])


def _out(request: HttpRequest, visit_id: int) -> VisitOut:
    user = actor(request)
    return VisitOut.of(queries.view_visit(viewer=user, visit=access_visit(user, visit_id)))


@router.post("/teams/{team_id}/visits", response={201: VisitOut}, summary="Go out on a visit")
def start_visit(request: HttpRequest, team_id: PathId, payload: VisitIn) -> Status[VisitOut]:
    user = actor(request)
    visit = actions.start_visit(
        actor=user,
        team=access_team(user, team_id),
        location=payload.location,
        expected_end=payload.expected_end,
        rope_holder_id=payload.rope_holder_id,
        case_id=payload.case_id,
        note=payload.note,
    )
    return Status(201, _out(request, visit.pk))


@router.get(
    "/teams/{team_id}/visits",
    response=list[VisitOut],
    summary="Who's out now: open visits, soonest end first (all of them for a lead)",
)
def out_now(request: HttpRequest, team_id: PathId) -> list[VisitOut]:
    user = actor(request)
    return [VisitOut.of(v) for v in queries.out_now(user, access_team(user, team_id))]


@router.get("/teams/{team_id}/visits/chain", response=ChainOut, summary="The escalation times")
def get_chain(request: HttpRequest, team_id: PathId) -> ChainOut:
    chain = actions.chain_for(access_team(actor(request), team_id))
    return ChainOut(
        prompt_seconds=int(chain[Step.PROMPT_WORKER].total_seconds()),
        rope_holder_seconds=int(chain[Step.ROPE_HOLDER].total_seconds()),
        duty_lead_seconds=int(chain[Step.DUTY_LEAD].total_seconds()),
        team_lead_seconds=int(chain[Step.TEAM_LEAD].total_seconds()),
    )


@router.put(
    "/teams/{team_id}/visits/chain", response=ChainOut, summary="Set the escalation times (lead)"
)
def set_chain(request: HttpRequest, team_id: PathId, payload: ChainIn) -> ChainOut:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_SETTINGS)
    actions.set_chain(
        actor=user,
        team=team,
        chain={
            Step.PROMPT_WORKER: timedelta(seconds=payload.prompt_seconds),
            Step.ROPE_HOLDER: timedelta(seconds=payload.rope_holder_seconds),
            Step.DUTY_LEAD: timedelta(seconds=payload.duty_lead_seconds),
            Step.TEAM_LEAD: timedelta(seconds=payload.team_lead_seconds),
        },
    )
    return get_chain(request, team_id)


@router.get("/visits/{visit_id}", response=VisitOut, summary="One visit with its alerts")
def view(request: HttpRequest, visit_id: PathId) -> VisitOut:
    return _out(request, visit_id)


@router.post("/visits/{visit_id}/rope", response=VisitOut, summary="I hold your rope")
def hold_rope(request: HttpRequest, visit_id: PathId) -> VisitOut:
    user = actor(request)
    actions.hold_rope(actor=user, visit=access_visit(user, visit_id))
    return _out(request, visit_id)


@router.post(
    "/visits/{visit_id}/handover", response=VisitOut, summary="Hand the rope to a colleague"
)
def hand_over(request: HttpRequest, visit_id: PathId, payload: HandOverIn) -> VisitOut:
    user = actor(request)
    actions.hand_over(actor=user, visit=access_visit(user, visit_id), to_id=payload.to_id)
    return _out(request, visit_id)


@router.post("/visits/{visit_id}/check-in", response=VisitOut, summary="I'm OK")
def check_in(request: HttpRequest, visit_id: PathId) -> VisitOut:
    user = actor(request)
    actions.check_in(actor=user, visit=access_visit(user, visit_id))
    return _out(request, visit_id)


@router.post("/visits/{visit_id}/extend", response=VisitOut, summary="I need longer")
def extend(request: HttpRequest, visit_id: PathId, payload: ExtendIn) -> VisitOut:
    user = actor(request)
    actions.extend(actor=user, visit=access_visit(user, visit_id), minutes=payload.minutes)
    return _out(request, visit_id)


@router.post("/visits/{visit_id}/end", response=VisitOut, summary="Safe, done")
def end(request: HttpRequest, visit_id: PathId) -> VisitOut:
    user = actor(request)
    actions.end_visit(actor=user, visit=access_visit(user, visit_id))
    return _out(request, visit_id)


@router.post(
    "/visits/{visit_id}/alarm",
    response=EscalationOut,
    summary="Alarm: the rope holder and the duty lead at once (sending it again is the same)",
)
def alarm(request: HttpRequest, visit_id: PathId) -> EscalationOut:
    user = actor(request)
    return EscalationOut.of(actions.raise_alarm(actor=user, visit=access_visit(user, visit_id)))


@router.post(
    "/alerts/{escalation_id}/acknowledge",
    response=EscalationOut,
    summary="I'm on it: take an alert (whoever it told, or a team lead)",
)
def acknowledge(request: HttpRequest, escalation_id: PathId) -> EscalationOut:
    user = actor(request)
    escalation = access_escalation(user, escalation_id)
    return EscalationOut.of(actions.acknowledge(actor=user, escalation=escalation))


@router.post(
    "/alerts/{escalation_id}/resolve",
    response=EscalationOut,
    summary="Record what happened (once: a second answer gets 409)",
)
def resolve(request: HttpRequest, escalation_id: PathId, payload: ResolveIn) -> EscalationOut:
    user = actor(request)
    escalation = access_escalation(user, escalation_id)
    return EscalationOut.of(
        actions.resolve(actor=user, escalation=escalation, outcome=payload.outcome)
    )
