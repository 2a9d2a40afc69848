"""Concerns over HTTP: raise one with a colleague, respond, step up, resolve; the lead's
figures and settings. A concern someone may not see answers exactly as a missing one."""

from datetime import timedelta

from django.http import HttpRequest
from ninja import Router, Status

from ropeteam.concerns import actions, queries
from ropeteam.concerns.access import access_concern
from ropeteam.concerns.flow import Level
from ropeteam.concerns.schemas import (
    ConcernActivityOut,
    ConcernDetailOut,
    ConcernOut,
    ConcernResolveIn,
    RaiseIn,
    RespondIn,
    StatementIn,
    TimesIn,
    TimesOut,
)
from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.flow import Permission
from ropeteam.people.schemas import PathId

router = Router(tags=["concerns"])


def _detail(request: HttpRequest, concern_id: int) -> ConcernDetailOut:
    user = actor(request)
    concern = access_concern(user, concern_id)
    return ConcernDetailOut.of_detail(queries.view_concern(viewer=user, concern=concern))


@router.post(
    "/teams/{team_id}/concerns",
    response={201: ConcernDetailOut},
    summary="Raise a concern with a colleague",
)
def raise_concern(
    request: HttpRequest, team_id: PathId, payload: RaiseIn
) -> Status[ConcernDetailOut]:
    user = actor(request)
    team = access_team(user, team_id)
    concern = actions.raise_concern(
        actor=user,
        team=team,
        colleague_id=payload.colleague_id,
        level=payload.level.value,
        statement=payload.statement(),
        case_id=payload.case_id,
    )
    return Status(201, _detail(request, concern.pk))


@router.get(
    "/concerns",
    response=list[ConcernOut],
    summary="Concerns I raised, that were raised with me, or that were escalated to me",
)
def mine(request: HttpRequest) -> list[ConcernOut]:
    return [ConcernOut.of(c) for c in queries.mine(actor(request))[:200]]


@router.get(
    "/teams/{team_id}/concerns/activity",
    response=ConcernActivityOut,
    summary="The team's concerns in figures (team lead; no names, no small groups)",
)
def activity(request: HttpRequest, team_id: PathId) -> ConcernActivityOut:
    team = access_team(actor(request), team_id, need=Permission.VIEW_ACTIVITY)
    return ConcernActivityOut.of(queries.activity(team))


@router.get(
    "/teams/{team_id}/concerns/times",
    response=TimesOut,
    summary="Each level's time to answer, and who is above the team lead",
)
def get_times(request: HttpRequest, team_id: PathId) -> TimesOut:
    team = access_team(actor(request), team_id)
    answer_within = actions.times(team)
    return TimesOut(
        probe_seconds=int(answer_within[Level.PROBE].total_seconds()),
        alert_seconds=int(answer_within[Level.ALERT].total_seconds()),
        challenge_seconds=int(answer_within[Level.CHALLENGE].total_seconds()),
        escalate_seconds=int(answer_within[Level.ESCALATE].total_seconds()),
        next_up_id=actions.next_up_id(team),
    )


@router.put(
    "/teams/{team_id}/concerns/times",
    response=TimesOut,
    summary="Set each level's time to answer and the next person up (team lead)",
)
def set_times(request: HttpRequest, team_id: PathId, payload: TimesIn) -> TimesOut:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_SETTINGS)
    actions.set_times(
        actor=user,
        team=team,
        answer_within={
            Level.PROBE: timedelta(seconds=payload.probe_seconds),
            Level.ALERT: timedelta(seconds=payload.alert_seconds),
            Level.CHALLENGE: timedelta(seconds=payload.challenge_seconds),
            Level.ESCALATE: timedelta(seconds=payload.escalate_seconds),
        },
        next_up_id=payload.next_up_id,
    )
    return get_times(request, team_id)


@router.get(
    "/concerns/{concern_id}", response=ConcernDetailOut, summary="One concern and its exchange"
)
def view(request: HttpRequest, concern_id: PathId) -> ConcernDetailOut:
    return _detail(request, concern_id)


@router.post(
    "/concerns/{concern_id}/respond",
    response=ConcernDetailOut,
    summary="Respond: acknowledge with a reply, think together, or say how I see it",
)
def respond(request: HttpRequest, concern_id: PathId, payload: RespondIn) -> ConcernDetailOut:
    user = actor(request)
    actions.respond(
        actor=user,
        concern=access_concern(user, concern_id),
        response=payload.response.value,
        text=payload.text,
    )
    return _detail(request, concern_id)


@router.post(
    "/concerns/{concern_id}/step-up",
    response=ConcernDetailOut,
    summary="Step up a level, keeping the exchange (the raiser)",
)
def step_up(request: HttpRequest, concern_id: PathId, payload: StatementIn) -> ConcernDetailOut:
    user = actor(request)
    actions.step_up(
        actor=user, concern=access_concern(user, concern_id), statement=payload.statement()
    )
    return _detail(request, concern_id)


@router.post(
    "/concerns/{concern_id}/challenge",
    response=ConcernDetailOut,
    summary="Challenge again at Challenge; the second challenge goes to the lead (the raiser)",
)
def challenge(request: HttpRequest, concern_id: PathId, payload: StatementIn) -> ConcernDetailOut:
    user = actor(request)
    actions.challenge_again(
        actor=user, concern=access_concern(user, concern_id), statement=payload.statement()
    )
    return _detail(request, concern_id)


@router.post(
    "/concerns/{concern_id}/resolve",
    response=ConcernDetailOut,
    summary="Record how it ended (the raiser)",
)
def resolve(
    request: HttpRequest, concern_id: PathId, payload: ConcernResolveIn
) -> ConcernDetailOut:
    user = actor(request)
    actions.resolve(
        actor=user,
        concern=access_concern(user, concern_id),
        resolution=payload.resolution.value,
        text=payload.text,
    )
    return _detail(request, concern_id)


@router.post(
    "/concerns/{concern_id}/on-it",
    response=ConcernDetailOut,
    summary="Say I am on it: the reminders stop (whoever it was escalated to)",
)
def take_on(request: HttpRequest, concern_id: PathId) -> ConcernDetailOut:
    user = actor(request)
    actions.take_on(actor=user, concern=access_concern(user, concern_id))
    return _detail(request, concern_id)
