"""Invitation links, joining a team, and the duty rota."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.core.errors import NotFound
from ropeteam.people import actions, queries
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.web.context import TEAM_KEY
from ropeteam.web.decorators import in_team, refusals
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.people import InvitationForm, JoinForm, ShiftForm
from ropeteam.web.views.render import page, posted, team_members

ROTA_AHEAD = timedelta(days=14)


# --- invitations --------------------------------------------------------------------------


@in_team(Permission.MANAGE_MEMBERS)
def invitations(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form, link = InvitationForm(posted(request)), None
    created = submit(
        form,
        lambda d: actions.invite_member(
            actor=me, team=team, role=d["role"], grade=d["grade"], note=d["note"]
        ),
    )
    if created is not REFUSED:
        link = request.build_absolute_uri(reverse("web:join", args=[created[1]]))
        form = InvitationForm()
    context = {"form": form, "link": link, "pending": queries.pending_invitations(team)}
    return page(request, "web/invitations.html", context)


@require_POST
@in_team(Permission.MANAGE_MEMBERS)
def invitation_revoke(
    request: HttpRequest, me: User, team: Team, invitation_id: int
) -> HttpResponse:
    invitation = queries.get_invitation(team, invitation_id)
    if invitation is None:
        raise NotFound(_("No such invitation."))
    actions.revoke_invitation(actor=me, invitation=invitation)
    messages.success(request, _("The invitation link no longer works."))
    return redirect("web:invitations")


@refusals
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = actions.find_invitation(token)
    form = JoinForm(posted(request))
    membership = submit(
        form,
        lambda d: actions.accept_invitation(
            raw=token,
            username=d["username"],
            display_name=d["display_name"],
            password=d["password"],
            phone=d["phone"],
        ),
    )
    if membership is REFUSED:
        return page(request, "web/join.html", {"team": invitation.team, "form": form})
    login(request, membership.user)
    request.session[TEAM_KEY] = membership.team_id
    messages.success(request, _("Welcome to %(team)s.") % {"team": membership.team.name})
    return redirect("web:home")


# --- duty rota ----------------------------------------------------------------------------


def _rota_page(
    request: HttpRequest, me: User, team: Team, form: ShiftForm | None = None
) -> HttpResponse:
    now = timezone.now()
    shifts = list(queries.duty_rota(team, now, now + ROTA_AHEAD))
    context: dict[str, Any] = {
        "shifts": shifts,
        # Shifts come in order and all end after now, so one that has started is on now.
        "on_duty": next((s for s in shifts if s.starts_at <= now), None),
    }
    if can(me, team, Permission.EDIT_ROTA):
        context["form"] = form or ShiftForm(prefix="shift", members=team_members(team))
    return page(request, "web/rota.html", context)


@in_team()
def rota(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    return _rota_page(request, me, team)


@require_POST
@in_team(Permission.EDIT_ROTA)
def shift_add(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = ShiftForm(request.POST, prefix="shift", members=team_members(team))
    added = submit(
        form,
        lambda d: actions.add_duty_shift(
            actor=me, team=team, lead=d["lead"], starts_at=d["starts_at"], ends_at=d["ends_at"]
        ),
    )
    if added is REFUSED:
        return _rota_page(request, me, team, form)
    messages.success(request, _("The shift is on the rota."))
    return redirect("web:rota")


@require_POST
@in_team(Permission.EDIT_ROTA)
def shift_remove(request: HttpRequest, me: User, team: Team, shift_id: int) -> HttpResponse:
    shift = queries.get_shift(team, shift_id)
    if shift is None:
        raise NotFound(_("No such shift."))
    actions.remove_duty_shift(actor=me, shift=shift)
    messages.success(request, _("The shift is off the rota."))
    return redirect("web:rota")
