"""Teams, members, rope holders, the rota, invitations and tokens over HTTP."""

from datetime import UTC, datetime, timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people import actions, queries
from ropeteam.people.access import (
    access_member,
    access_organisation,
    access_team,
)
from ropeteam.people.auth import actor
from ropeteam.people.flow import Grade, Permission, Role
from ropeteam.people.models import Membership, User
from ropeteam.people.schemas import (
    AccountOut,
    AccountPatch,
    AvailabilityIn,
    AvailabilityOut,
    InvitationCreatedOut,
    InvitationIn,
    InvitationOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    MeOut,
    MyTeamOut,
    PathId,
    RopeHoldersIn,
    RopeOut,
    ShiftIn,
    ShiftOut,
    TeamIn,
    TeamOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)

router = Router(tags=["people"])


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _rota_window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    # Times typed without a zone are local, as when adding a shift; a naive datetime would
    # otherwise reach the query and be read with a warning.
    try:
        start = _aware(start).astimezone(UTC) if start else timezone.now() - timedelta(days=1)
        end = _aware(end).astimezone(UTC) if end else start + timedelta(days=15)
    except OverflowError:
        raise InvalidInput(_("Choose start and end times between the years 1 and 9999.")) from None
    return start, end


def _member_out(membership: Membership) -> MemberOut:
    return MemberOut.of(queries.colleague(membership, timezone.now()))


# --- me -----------------------------------------------------------------------------------


@router.get("/me", response=MeOut, summary="Who I am, my teams and my availability")
def me(request: HttpRequest) -> MeOut:
    user = actor(request)
    memberships = {m.team_id: m for m in user.memberships.filter(removed_at__isnull=True)}
    availability = queries.availability_of(user)
    teams = [
        MyTeamOut(
            **TeamOut.of(t).dict(),
            role=Role(memberships[t.pk].role) if t.pk in memberships else None,
            grade=Grade(memberships[t.pk].grade) if t.pk in memberships else None,
        )
        for t in queries.teams_for(user)
    ]
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.name,
        phone=user.phone,
        availability=AvailabilityOut(status=availability.status, until=availability.until),
        teams=teams,
        organisation_admin_of=list(user.org_admin_roles.values_list("organisation_id", flat=True)),
    )


@router.put("/me/availability", response=AvailabilityOut, summary="Set my availability")
def set_availability(request: HttpRequest, payload: AvailabilityIn) -> AvailabilityOut:
    user = actions.set_availability(
        actor=actor(request), status=payload.status, until=payload.until
    )
    availability = queries.availability_of(user)
    return AvailabilityOut(status=availability.status, until=availability.until)


@router.get("/me/tokens", response=list[TokenOut], summary="My personal access tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.from_orm(t) for t in queries.tokens_for(actor(request))]


@router.post("/me/tokens", response={201: TokenCreatedOut}, summary="Create a token")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    token, raw = actions.create_token(actor=actor(request), name=payload.name)
    return Status(201, TokenCreatedOut(**TokenOut.from_orm(token).dict(), token=raw))


@router.delete("/me/tokens/{token_id}", response={204: None}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: PathId) -> Status[None]:
    user = actor(request)
    token = queries.tokens_for(user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    actions.revoke_token(actor=user, token=token)
    return Status(204, None)


# --- teams and members --------------------------------------------------------------------


@router.get("/teams", response=list[TeamOut], summary="Teams I belong to or administer")
def list_teams(request: HttpRequest) -> list[TeamOut]:
    return [TeamOut.of(t) for t in queries.teams_for(actor(request))]


@router.get("/teams/{team_id}", response=TeamOut, summary="One team")
def get_team(request: HttpRequest, team_id: PathId) -> TeamOut:
    return TeamOut.of(access_team(actor(request), team_id))


@router.get(
    "/teams/{team_id}/members",
    response=list[MemberOut],
    summary="The team with everyone's availability now",
)
def list_members(request: HttpRequest, team_id: PathId) -> list[MemberOut]:
    team = access_team(actor(request), team_id)
    return [MemberOut.of(c) for c in queries.list_team(team)]


@router.post(
    "/teams/{team_id}/members",
    response={201: MemberOut},
    summary="Add an existing account of the organisation to the team",
)
def add_member(request: HttpRequest, team_id: PathId, payload: MemberIn) -> Status[MemberOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.MANAGE_MEMBERS)
    # Only accounts already in this organisation: usernames elsewhere must not leak.
    person = (
        User.objects.filter(
            username=payload.username, memberships__team__organisation=team.organisation
        )
        .distinct()
        .first()
    )
    if person is None:
        raise NotFound(
            _("No account “%(username)s” in this organisation. Send an invitation link instead.")
            % {"username": payload.username},
            field="username",
        )
    membership = actions.add_member(
        actor=user,
        team=team,
        user=person,
        role=payload.role,
        grade=payload.grade,
        profession=payload.profession,
    )
    return Status(201, _member_out(membership))


@router.patch(
    "/teams/{team_id}/members/{member_id}",
    response=MemberOut,
    summary="Change a member's role, grade or profession",
)
def change_member(
    request: HttpRequest, team_id: PathId, member_id: PathId, payload: MemberPatch
) -> MemberOut:
    user = actor(request)
    membership = access_member(user, team_id, member_id, need=Permission.MANAGE_MEMBERS)
    membership = actions.change_member(
        actor=user,
        membership=membership,
        role=payload.role,
        grade=payload.grade,
        profession=payload.profession,
    )
    return _member_out(membership)


@router.delete(
    "/teams/{team_id}/members/{member_id}",
    response={204: None},
    summary="Remove a member from the team",
)
def remove_member(request: HttpRequest, team_id: PathId, member_id: PathId) -> Status[None]:
    user = actor(request)
    membership = access_member(user, team_id, member_id, need=Permission.MANAGE_MEMBERS)
    actions.remove_member(actor=user, membership=membership)
    return Status(204, None)


@router.get(
    "/teams/{team_id}/members/{member_id}/rope",
    response=RopeOut,
    summary="Who holds this member's rope now",
)
def get_rope(request: HttpRequest, team_id: PathId, member_id: PathId) -> RopeOut:
    membership = access_member(actor(request), team_id, member_id)
    return RopeOut.of(queries.rope_for(membership.team, membership.user))


@router.put(
    "/teams/{team_id}/members/{member_id}/rope-holders",
    response=RopeOut,
    summary="Set a member's rope holders, in order",
)
def set_rope_holders(
    request: HttpRequest, team_id: PathId, member_id: PathId, payload: RopeHoldersIn
) -> RopeOut:
    user = actor(request)
    membership = access_member(user, team_id, member_id, need=Permission.EDIT_ROPE_HOLDERS)
    # Only current members: an account elsewhere must get the same answer as no account,
    # or the error would tell which user ids exist.
    holders = {
        m.user_id: m.user
        for m in queries.current_members(membership.team).filter(user_id__in=payload.holder_ids)
    }
    if set(payload.holder_ids) - set(holders):
        raise InvalidInput(
            _("Rope holders must be current members of the team."), field="holder_ids"
        )
    ordered = [holders[i] for i in payload.holder_ids]
    actions.set_rope_holders(
        actor=user, team=membership.team, worker=membership.user, holders=ordered
    )
    return RopeOut.of(queries.rope_for(membership.team, membership.user))


# --- invitations --------------------------------------------------------------------------


@router.get(
    "/teams/{team_id}/invitations",
    response=list[InvitationOut],
    summary="Invitation links not yet used",
)
def list_invitations(request: HttpRequest, team_id: PathId) -> list[InvitationOut]:
    team = access_team(actor(request), team_id, need=Permission.MANAGE_MEMBERS)
    return [InvitationOut.from_orm(i) for i in queries.pending_invitations(team)]


@router.post(
    "/teams/{team_id}/invitations",
    response={201: InvitationCreatedOut},
    summary="Make an invitation link to join the team",
)
def create_invitation(
    request: HttpRequest, team_id: PathId, payload: InvitationIn
) -> Status[InvitationCreatedOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.MANAGE_MEMBERS)
    invitation, raw = actions.invite_member(
        actor=user, team=team, role=payload.role, grade=payload.grade, note=payload.note
    )
    url = request.build_absolute_uri(reverse("web:join", args=[raw]))
    return Status(201, InvitationCreatedOut(**InvitationOut.from_orm(invitation).dict(), url=url))


@router.delete(
    "/teams/{team_id}/invitations/{invitation_id}",
    response={204: None},
    summary="Revoke an invitation link",
)
def revoke_invitation(request: HttpRequest, team_id: PathId, invitation_id: PathId) -> Status[None]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.MANAGE_MEMBERS)
    # Only links still pending: revoking twice must not move the recorded revocation time.
    invitation = queries.pending_invitations(team).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("No such invitation."))
    actions.revoke_invitation(actor=user, invitation=invitation)
    return Status(204, None)


# --- duty rota ----------------------------------------------------------------------------


@router.get(
    "/teams/{team_id}/duty-shifts",
    response=list[ShiftOut],
    summary="The duty rota between two times (default: the next two weeks)",
)
def list_shifts(
    request: HttpRequest,
    team_id: PathId,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[ShiftOut]:
    team = access_team(actor(request), team_id)
    start, end = _rota_window(start, end)
    return [ShiftOut.of(s) for s in queries.duty_rota(team, start, end)]


@router.post(
    "/teams/{team_id}/duty-shifts",
    response={201: ShiftOut},
    summary="Put someone on the rota as duty lead",
)
def add_shift(request: HttpRequest, team_id: PathId, payload: ShiftIn) -> Status[ShiftOut]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_ROTA)
    # Only current members, so an account elsewhere looks the same as no account.
    lead = queries.current_members(team).filter(user_id=payload.lead_id).first()
    if lead is None:
        raise InvalidInput(
            _("The duty lead must be a current member of the team."), field="lead_id"
        )
    shift = actions.add_duty_shift(
        actor=user,
        team=team,
        lead=lead.user,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, ShiftOut.of(shift))


@router.delete(
    "/teams/{team_id}/duty-shifts/{shift_id}",
    response={204: None},
    summary="Take a shift off the rota",
)
def remove_shift(request: HttpRequest, team_id: PathId, shift_id: PathId) -> Status[None]:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_ROTA)
    shift = queries.get_shift(team, shift_id)
    if shift is None:
        raise NotFound(_("No such shift."))
    actions.remove_duty_shift(actor=user, shift=shift)
    return Status(204, None)


# --- organisations ------------------------------------------------------------------------


@router.get(
    "/organisations/{organisation_id}/teams",
    response=list[TeamOut],
    summary="The teams of an organisation I administer",
)
def list_org_teams(request: HttpRequest, organisation_id: PathId) -> list[TeamOut]:
    organisation = access_organisation(actor(request), organisation_id)
    teams = organisation.teams.select_related("organisation").order_by("name")
    return [TeamOut.of(t) for t in teams]


@router.patch(
    "/organisations/{organisation_id}/accounts/{user_id}",
    response=AccountOut,
    summary="Deactivate an account (no sign-in, tokens stop working) or restore it",
)
def change_account(
    request: HttpRequest, organisation_id: PathId, user_id: PathId, payload: AccountPatch
) -> AccountOut:
    user = actor(request)
    organisation = access_organisation(user, organisation_id)
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise NotFound(_("No such account in this organisation."))
    actions.set_account_active(
        actor=user, organisation=organisation, user=person, is_active=payload.is_active
    )
    return AccountOut(id=person.pk, username=person.username, is_active=person.is_active)


@router.post(
    "/organisations/{organisation_id}/teams",
    response={201: TeamOut},
    summary="Add a team to an organisation I administer",
)
def create_team(request: HttpRequest, organisation_id: PathId, payload: TeamIn) -> Status[TeamOut]:
    user = actor(request)
    organisation = access_organisation(user, organisation_id)
    team = actions.create_team(actor=user, organisation=organisation, name=payload.name)
    return Status(201, TeamOut.of(team))
