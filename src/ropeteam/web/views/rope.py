"""My rope, the team board and each member's page: who holds whose rope."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.concerns import queries as concerns
from ropeteam.notify import queries as notify
from ropeteam.people import actions, queries
from ropeteam.people.access import access_member, can, current_membership, is_org_admin
from ropeteam.people.flow import Permission
from ropeteam.people.models import Membership, Team, User
from ropeteam.thinking import queries as thinking
from ropeteam.web.decorators import in_team
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.people import AvailabilityForm, MemberForm, RopeHoldersForm
from ropeteam.web.views.device import rope_card
from ropeteam.web.views.render import page, posted, team_members

# --- my rope ------------------------------------------------------------------------------


def _home_page(
    request: HttpRequest, me: User, team: Team, form: AvailabilityForm | None = None
) -> HttpResponse:
    availability = queries.availability_of(me)
    invited = list(thinking.invitations(me, team)[:10])
    rope = queries.rope_for(team, me)
    context = {
        "rope": rope,
        # Kept on the device by the page's script, for the offline page (docs/security.md).
        "rope_card": rope_card(rope, team, me),
        "availability": availability,
        "form": form or AvailabilityForm.showing(availability),
        "concerns_waiting": list(concerns.waiting_for(me)),
        "asked_of_me": list(thinking.asked_of(me, team)),
        "my_actions": list(thinking.open_actions(me)),
        "invited_to": invited,
        "open_now": list(
            thinking.open_now(me, team, besides=[p.consultation_id for p in invited])[:10]
        ),
        "live": {"home": True},
    }
    return page(request, "web/home.html", context)


@in_team()
def home(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    if current_membership(me, team.pk) is None:
        return redirect("web:teams")  # an organisation admin has no rope of their own here
    return _home_page(request, me, team)


@require_POST
@in_team()
def availability(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = AvailabilityForm(request.POST)
    saved = submit(
        form, lambda d: actions.set_availability(actor=me, status=d["status"], until=d["until"])
    )
    if saved is REFUSED:
        return _home_page(request, me, team, form)
    messages.success(request, _("Your availability is saved."))
    return redirect("web:home")


# --- the team -----------------------------------------------------------------------------


@in_team()
def team_board(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    # Only a lead sees who has no channel: it is theirs to follow up, nobody else's business.
    is_lead = can(me, team, Permission.VIEW_ACTIVITY)
    context = {
        "colleagues": queries.list_team(team),
        "can_manage": can(me, team, Permission.MANAGE_MEMBERS),
        "unreachable": {u.pk for u in notify.unreachable_in(team)} if is_lead else set(),
    }
    return page(request, "web/team.html", context)


def _member_page(
    request: HttpRequest,
    me: User,
    member: Membership,
    *,
    rope_form: RopeHoldersForm | None = None,
    member_form: MemberForm | None = None,
) -> HttpResponse:
    team, rope = member.team, queries.rope_for(member.team, member.user)
    context: dict[str, Any] = {
        "member": member,
        "rope": rope,
        "availability": queries.availability_of(member.user),
        # Only a colleague in the same team can write to them; an organisation admin cannot.
        "can_message": member.user != me and current_membership(me, team.pk) is not None,
    }
    if can(me, team, Permission.EDIT_ROPE_HOLDERS):
        context["rope_form"] = rope_form or _rope_form(
            None, member, current=[c.user for c in rope.holders]
        )
    # An organisation admin's one-time reset of a member's second factor (web/views/security.py).
    context["can_reset_factors"] = member.user != me and is_org_admin(me, team.organisation_id)
    if can(me, team, Permission.MANAGE_MEMBERS):
        context["member_form"] = member_form or MemberForm(
            prefix="member",
            initial={"role": member.role, "grade": member.grade, "profession": member.profession},
        )
    return page(request, "web/member.html", context)


def _rope_form(
    data: QueryDict | None, member: Membership, current: Sequence[User] = ()
) -> RopeHoldersForm:
    colleagues = [u for u in team_members(member.team) if u != member.user]
    return RopeHoldersForm(data, prefix="rope", members=colleagues, current=current)


@in_team()
def member_detail(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    return _member_page(request, me, access_member(me, team.pk, user_id))


@require_POST
@in_team()
def member_rope(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    member = access_member(me, team.pk, user_id, need=Permission.EDIT_ROPE_HOLDERS)
    form = _rope_form(request.POST, member)
    saved = submit(
        form,
        lambda d: actions.set_rope_holders(
            actor=me, team=team, worker=member.user, holders=d["holders"]
        ),
    )
    if saved is REFUSED:
        return _member_page(request, me, member, rope_form=form)
    messages.success(request, _("The rope holders are saved."))
    return redirect("web:member", user_id=user_id)


@require_POST
@in_team()
def member_change(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    member = access_member(me, team.pk, user_id, need=Permission.MANAGE_MEMBERS)
    form = MemberForm(request.POST, prefix="member")
    saved = submit(
        form,
        lambda d: actions.change_member(
            actor=me,
            membership=member,
            role=d["role"],
            grade=d["grade"],
            profession=d["profession"],
        ),
    )
    if saved is REFUSED:
        return _member_page(request, me, member, member_form=form)
    messages.success(request, _("The changes are saved."))
    return redirect("web:member", user_id=user_id)


@in_team()
def member_remove(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    member = access_member(me, team.pk, user_id, need=Permission.MANAGE_MEMBERS)
    form = forms.Form(posted(request))
    if submit(form, lambda d: actions.remove_member(actor=me, membership=member)) is REFUSED:
        return page(request, "web/member_remove.html", {"member": member, "form": form})
    messages.success(request, _("%(name)s is no longer in the team.") % {"name": member.user.name})
    return redirect("web:team")
