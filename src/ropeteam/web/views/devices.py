"""My devices (where I am signed in, and my tokens), my password, and signing a member out."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ropeteam.people import actions, queries, sessions
from ropeteam.people.access import access_member
from ropeteam.people.auth import ChangePasswordForm
from ropeteam.people.flow import Permission, device_words
from ropeteam.people.models import Team, User
from ropeteam.realtime.conn import session_tag
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.views.render import page, posted


@dataclass(frozen=True)
class Device:
    """A signed-in session as "My devices" shows it."""

    id: int
    browser: str
    system: str
    address: str
    created_at: datetime
    last_seen_at: datetime
    is_this_one: bool


def _key(request: HttpRequest) -> str:
    return request.session.session_key or ""


def _devices(request: HttpRequest, me: User) -> list[Device]:
    this_one = session_tag(_key(request))
    shown = []
    for row in queries.signed_in_sessions(me):
        browser, system = device_words(row.user_agent)
        shown.append(
            Device(
                id=row.pk,
                browser=browser or _("An unknown browser"),
                system=system,
                address=row.address,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                is_this_one=row.key_hash == this_one,
            )
        )
    return sorted(shown, key=lambda d: not d.is_this_one)


@signed_in
def devices(request: HttpRequest, me: User) -> HttpResponse:
    context = {"devices": _devices(request, me), "tokens": queries.tokens_for(me)}
    return page(request, "web/devices.html", context)


@require_POST
@signed_in
def device_sign_out(request: HttpRequest, me: User, session_id: int) -> HttpResponse:
    actions.sign_out_session(actor=me, session_id=session_id, current_key=_key(request))
    messages.success(request, _("That device is signed out."))
    return redirect("web:devices")


@require_POST
@signed_in
def devices_sign_out_others(request: HttpRequest, me: User) -> HttpResponse:
    ended = actions.sign_out_other_sessions(actor=me, current_key=_key(request))
    said = ngettext(
        "%(count)d other device is signed out.", "%(count)d other devices are signed out.", ended
    )
    messages.success(request, said % {"count": ended})
    return redirect("web:devices")


@require_POST
@signed_in
def devices_sign_out_everything(request: HttpRequest, me: User) -> HttpResponse:
    actions.sign_out_everything(actor=me)
    logout(request)
    response = redirect("web:login")
    # As at sign-out: what this device kept goes too (docs/security.md).
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@signed_in
def password_change(request: HttpRequest, me: User) -> HttpResponse:
    address = str(request.META.get("REMOTE_ADDR", ""))
    form = ChangePasswordForm(me, posted(request), address=address)
    if request.method != "POST" or not form.is_valid():
        return page(request, "web/password.html", {"form": form})
    # Saving the user ends every other session, deletes the tokens, closes the sockets and
    # is audited (people/sessions.py: password_replaced); this session is kept.
    form.save()
    update_session_auth_hash(request, form.user)
    sessions.track(request, form.user)
    messages.success(
        request,
        _(
            "Your password is changed. You are signed out everywhere else, and your API "
            "tokens no longer work."
        ),
    )
    return redirect("web:devices")


@require_POST
@in_team()
def member_sign_out(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    member = access_member(me, team.pk, user_id, need=Permission.MANAGE_MEMBERS)
    actions.sign_out_everywhere(actor=me, membership=member)
    messages.success(
        request,
        _("%(name)s is signed out everywhere, and their API tokens no longer work.")
        % {"name": member.user.name},
    )
    return redirect("web:member", user_id=user_id)
