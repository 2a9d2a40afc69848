"""Thinking Together over HTTP: ask, answer, go through the steps, record the outcome."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from ropeteam.core.errors import NotFound
from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.flow import Permission
from ropeteam.people.schemas import PathId
from ropeteam.thinking import actions, emergency, queries
from ropeteam.thinking.access import access_agenda_item, access_consultation
from ropeteam.thinking.flow import Urgency
from ropeteam.thinking.models import AgreedAction
from ropeteam.thinking.schemas import (
    ActionOut,
    ActivityOut,
    AgendaItemOut,
    ConsultationOut,
    DeclineIn,
    DetailOut,
    EmergencyOut,
    FacilitatorIn,
    InviteIn,
    OutcomeIn,
    QuickIn,
    RequestIn,
    ShareIn,
    StepIn,
    WaitsIn,
    WaitsOut,
)

router = Router(tags=["thinking together"])


def _detail(request: HttpRequest, consultation_id: int) -> DetailOut:
    user = actor(request)
    consultation = access_consultation(user, consultation_id)
    return DetailOut.of_detail(queries.view_consultation(viewer=user, consultation=consultation))


@router.post(
    "/teams/{team_id}/thinking",
    response={201: DetailOut},
    summary="Ask for a Thinking Together",
)
def request_help(request: HttpRequest, team_id: PathId, payload: RequestIn) -> Status[DetailOut]:
    user = actor(request)
    team = access_team(user, team_id)
    consultation = actions.request_help(
        actor=user,
        team=team,
        task=payload.task,
        task_note=payload.task_note,
        urgency=payload.urgency,
        mode=payload.mode,
        ask=actions.Ask(payload.ask, payload.named_id),
        case_id=payload.case_id,
        steadiness=payload.steadiness,
    )
    return Status(201, _detail(request, consultation.pk))


@router.get(
    "/teams/{team_id}/thinking",
    response=list[ConsultationOut],
    summary="My Thinking Together history in this team, newest first",
)
def history(request: HttpRequest, team_id: PathId) -> list[ConsultationOut]:
    user = actor(request)
    team = access_team(user, team_id)
    return [ConsultationOut.of(c) for c in queries.history(user, team)[:200]]


@router.get(
    "/teams/{team_id}/thinking/asked",
    response=list[ConsultationOut],
    summary="Requests waiting for a helper that were sent to me",
)
def asked_of_me(request: HttpRequest, team_id: PathId) -> list[ConsultationOut]:
    user = actor(request)
    team = access_team(user, team_id)
    return [ConsultationOut.of(c) for c in queries.asked_of(user, team)]


@router.post(
    "/teams/{team_id}/thinking/quick",
    response={201: DetailOut},
    summary="Record a Thinking Together that happened without the app",
)
def quick_record(request: HttpRequest, team_id: PathId, payload: QuickIn) -> Status[DetailOut]:
    user = actor(request)
    team = access_team(user, team_id)
    consultation = actions.quick_record(
        actor=user,
        team=team,
        helper_id=payload.helper_id,
        task=payload.task,
        mode=payload.mode,
        met=payload.met,
        next_step=payload.next_step,
        case_id=payload.case_id,
        product=payload.product,
        steadiness_before=payload.steadiness_before,
        steadiness_after=payload.steadiness_after,
        notes=payload.notes,
        happened_at=payload.happened_at,
    )
    return Status(201, _detail(request, consultation.pk))


@router.get(
    "/teams/{team_id}/thinking/activity",
    response=ActivityOut,
    summary="The team's Thinking Together in figures (team lead; no names, no notes)",
)
def activity(request: HttpRequest, team_id: PathId) -> ActivityOut:
    team = access_team(actor(request), team_id, need=Permission.VIEW_ACTIVITY)
    return ActivityOut.of(queries.activity(team))


@router.get(
    "/teams/{team_id}/thinking/waits",
    response=WaitsOut,
    summary="How long each circle waits before a request widens",
)
def get_waits(request: HttpRequest, team_id: PathId) -> WaitsOut:
    team = access_team(actor(request), team_id)
    waits = actions.waits(team)
    return WaitsOut(
        now_seconds=int(waits[Urgency.NOW].total_seconds()),
        within_hour_seconds=int(waits[Urgency.WITHIN_HOUR].total_seconds()),
        today_seconds=int(waits[Urgency.TODAY].total_seconds()),
    )


@router.put(
    "/teams/{team_id}/thinking/waits",
    response=WaitsOut,
    summary="Set how long each circle waits (team lead)",
)
def set_waits(request: HttpRequest, team_id: PathId, payload: WaitsIn) -> WaitsOut:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_SETTINGS)
    actions.set_waits(
        actor=user,
        team=team,
        waits={
            Urgency.NOW: timedelta(seconds=payload.now_seconds),
            Urgency.WITHIN_HOUR: timedelta(seconds=payload.within_hour_seconds),
            Urgency.TODAY: timedelta(seconds=payload.today_seconds),
        },
    )
    return get_waits(request, team_id)


@router.get("/thinking/{consultation_id}", response=DetailOut, summary="One Thinking Together")
def view(request: HttpRequest, consultation_id: PathId) -> DetailOut:
    return _detail(request, consultation_id)


@router.get(
    "/me/emergencies",
    response=list[EmergencyOut],
    summary='Emergencies waiting for me to say "I\'m on it" (as duty lead or team lead)',
)
def my_emergencies(request: HttpRequest) -> list[EmergencyOut]:
    return [
        EmergencyOut.waiting(e.consultation, e.declared_at)
        for e in emergency.waiting_for(actor(request))
    ]


@router.post(
    "/thinking/{consultation_id}/emergency/acknowledge",
    response=EmergencyOut,
    summary="I'm on it: take an emergency; the alerts stop and the help-seeker is told",
)
def acknowledge_emergency(request: HttpRequest, consultation_id: PathId) -> EmergencyOut:
    taken = emergency.acknowledge(actor=actor(request), consultation_id=consultation_id)
    chain = emergency.state_of(taken.pk)
    if chain is None:  # acknowledge found it a moment ago: only a deletion in between
        raise NotFound(_("No such emergency."))
    return EmergencyOut.of(chain, taken.seeker_id)


@router.post(
    "/thinking/{consultation_id}/accept",
    response=DetailOut,
    summary="Accept: I'll think with you (the first acceptance wins)",
)
def accept(request: HttpRequest, consultation_id: PathId) -> DetailOut:
    user = actor(request)
    actions.accept(actor=user, consultation=access_consultation(user, consultation_id))
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/decline",
    response=DetailOut,
    summary="Decline, with a reason or a time I could do it",
)
def decline(request: HttpRequest, consultation_id: PathId, payload: DeclineIn) -> DetailOut:
    user = actor(request)
    actions.decline(
        actor=user,
        consultation=access_consultation(user, consultation_id),
        reason=payload.reason,
        later_at=payload.later_at,
    )
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/cancel", response=DetailOut, summary="Withdraw my request"
)
def cancel(request: HttpRequest, consultation_id: PathId) -> DetailOut:
    user = actor(request)
    actions.cancel(actor=user, consultation=access_consultation(user, consultation_id))
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/step",
    response=DetailOut,
    summary="Move on one step, or back to an earlier one",
)
def move(request: HttpRequest, consultation_id: PathId, payload: StepIn) -> DetailOut:
    user = actor(request)
    actions.move(
        actor=user, consultation=access_consultation(user, consultation_id), step=payload.step
    )
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/invite",
    response=DetailOut,
    summary="Widen the quorum: bring a colleague in",
)
def invite(request: HttpRequest, consultation_id: PathId, payload: InviteIn) -> DetailOut:
    user = actor(request)
    actions.invite(
        actor=user,
        consultation=access_consultation(user, consultation_id),
        colleague_id=payload.colleague_id,
    )
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/facilitator",
    response=DetailOut,
    summary="Name the facilitator of a group session",
)
def facilitate(request: HttpRequest, consultation_id: PathId, payload: FacilitatorIn) -> DetailOut:
    user = actor(request)
    actions.facilitate(
        actor=user,
        consultation=access_consultation(user, consultation_id),
        facilitator_id=payload.facilitator_id,
    )
    return _detail(request, consultation_id)


@router.post(
    "/thinking/{consultation_id}/outcome",
    response=DetailOut,
    summary="Step 4, Return to purpose: record the outcome (widening carries on in a follow-up)",
)
def record_outcome(request: HttpRequest, consultation_id: PathId, payload: OutcomeIn) -> DetailOut:
    user = actor(request)
    actions.record_outcome(
        actor=user,
        consultation=access_consultation(user, consultation_id),
        met=payload.met,
        next_step=payload.next_step,
        product=payload.product,
        steadiness_after=payload.steadiness_after,
        notes=payload.notes,
        actions=[actions.Agreed(a.owner_id, a.what, a.due_at) for a in payload.actions],
        invited_ids=payload.invited_ids,
    )
    return _detail(request, consultation_id)


@router.put(
    "/thinking/{consultation_id}/shared",
    response=DetailOut,
    summary="Share (or stop sharing) a session's notes with the team lead for supervision",
)
def share(request: HttpRequest, consultation_id: PathId, payload: ShareIn) -> DetailOut:
    user = actor(request)
    actions.share_for_supervision(
        actor=user,
        consultation=access_consultation(user, consultation_id),
        shared=payload.shared,
    )
    return _detail(request, consultation_id)


@router.get("/me/actions", response=list[ActionOut], summary="Actions I agreed and have not done")
def my_actions(request: HttpRequest) -> list[ActionOut]:
    return [ActionOut.of(a) for a in queries.open_actions(actor(request))]


@router.post("/me/actions/{action_id}/done", response=ActionOut, summary="Mark my action done")
def complete(request: HttpRequest, action_id: PathId) -> ActionOut:
    user = actor(request)
    action = AgreedAction.objects.filter(pk=action_id, owner=user).first()
    if action is None:
        raise NotFound(_("No such action."))
    return ActionOut.of(actions.complete_action(actor=user, action=action))


@router.get(
    "/teams/{team_id}/agenda-items",
    response=list[AgendaItemOut],
    summary="Items for supervision or the team meeting, raised at step 4 (team lead)",
)
def agenda_items(
    request: HttpRequest, team_id: PathId, include_taken: bool = False
) -> list[AgendaItemOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.VIEW_ACTIVITY)
    return [AgendaItemOut.of(a) for a in queries.agenda(user, team, handled=include_taken)]


@router.post(
    "/agenda-items/{agenda_item_id}/handled",
    response=AgendaItemOut,
    summary="Mark an item taken to supervision or the team meeting (team lead)",
)
def agenda_item_taken(request: HttpRequest, agenda_item_id: PathId) -> AgendaItemOut:
    user = actor(request)
    item = actions.mark_taken(actor=user, item=access_agenda_item(user, agenda_item_id))
    return AgendaItemOut.of(queries.agenda_entry(user, item))
