"""Account → Security: the authenticator app, recovery codes and passkeys.

Every change ends the person's other sessions (people/actions/factors.py); this one is
kept, with its session hash brought up to date. Recovery codes are shown once, on the
page that answers the change that made them, never again.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.core.errors import Conflict, Forbidden, InvalidInput
from ropeteam.people import actions, passkeys, queries, totp
from ropeteam.people.access import access_member, is_org_admin
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.people.sessions import NEEDS_FACTOR_KEY
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.factors import ConfirmTotpForm, PasskeyNameForm
from ropeteam.web.views import _passkeys
from ropeteam.web.views._post import act
from ropeteam.web.views.render import page

ISSUER = "Ropeteam"


def _setup(me: User) -> dict[str, str] | None:
    """The authenticator app being set up (not yet confirmed): its key, as text and QR."""
    key = queries.totp_being_set_up(me)
    if key is None:
        return None
    uri = totp.otpauth_uri(key, account=me.username, issuer=ISSUER)
    return {"secret": totp.key_base32(key), "uri": uri, "qr": totp.qr_svg(uri)}


def _security_page(
    request: HttpRequest, me: User, *, codes: list[str] | None = None, **forms: Any
) -> HttpResponse:
    context = {
        "factors": queries.factors_of(me),
        "setup": _setup(me),
        "codes": codes,
        "must_set_up": request.session.get(NEEDS_FACTOR_KEY, False),
        "deadline": queries.factor_deadline(me),
        "confirm_form": forms.get("confirm_form") or ConfirmTotpForm(),
        "passkey_form": PasskeyNameForm(),
    }
    return page(request, "web/security.html", context)


def _changed(request: HttpRequest, me: User) -> None:
    """Keep this session (the others have ended) and lift the set-up-first rule if met."""
    me.refresh_from_db()
    update_session_auth_hash(request, me)
    if queries.has_factor(me):
        request.session.pop(NEEDS_FACTOR_KEY, None)


@signed_in
def security(request: HttpRequest, me: User) -> HttpResponse:
    return _security_page(request, me)


@require_POST
@signed_in
def totp_start(request: HttpRequest, me: User) -> HttpResponse:
    back = redirect("web:security")
    return act(request, lambda: actions.start_totp(actor=me), back=back)


@require_POST
@signed_in
def totp_confirm(request: HttpRequest, me: User) -> HttpResponse:
    form = ConfirmTotpForm(request.POST)
    codes = submit(form, lambda d: actions.confirm_totp(actor=me, code=d["code"]))
    if codes is REFUSED:
        return _security_page(request, me, confirm_form=form)
    _changed(request, me)
    messages.success(request, _("Your authenticator app is set up."))
    return _security_page(request, me, codes=codes)


@require_POST
@signed_in
def totp_remove(request: HttpRequest, me: User) -> HttpResponse:
    actions.remove_totp(actor=me)
    _changed(request, me)
    messages.success(request, _("Your authenticator app no longer signs you in."))
    return redirect("web:security")


@require_POST
@signed_in
def recovery_codes(request: HttpRequest, me: User) -> HttpResponse:
    try:
        codes = actions.regenerate_recovery_codes(actor=me)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("web:security")
    _changed(request, me)
    messages.success(request, _("New recovery codes are ready; the old ones no longer work."))
    return _security_page(request, me, codes=codes)


@require_POST
@signed_in
def passkey_options(request: HttpRequest, me: User) -> JsonResponse:
    ceremony = passkeys.registration(
        rp_id=_passkeys.rp_id(request),
        user_id=me.pk,
        username=me.username,
        name=me.name,
        exclude=[p.credential_id for p in me.passkeys.all()],
    )
    return _passkeys.begin(request, ceremony, "register")


@require_POST
@signed_in
def passkey_add(request: HttpRequest, me: User) -> JsonResponse:
    data = _passkeys.body(request)
    challenge = _passkeys.challenge(request, "register")
    if challenge is None:
        return _passkeys.refused(_("Start adding the passkey again."))
    try:
        new = passkeys.registered(
            credential=_passkeys.credential(data),
            challenge=challenge,
            rp_id=_passkeys.rp_id(request),
            origins=_passkeys.origins(request),
        )
        name = data.get("name")
        actions.add_passkey(actor=me, name=name if isinstance(name, str) else "", new=new)
    except passkeys.PasskeyRefused:
        return _passkeys.refused(_("The passkey could not be added. Try again."))
    except (InvalidInput, Conflict) as error:
        return _passkeys.refused(error.message)
    _changed(request, me)
    messages.success(request, _("Your passkey is added: it can sign you in on its own."))
    return JsonResponse({"redirect": reverse("web:security")})


@require_POST
@signed_in
def passkey_remove(request: HttpRequest, me: User, passkey_id: int) -> HttpResponse:
    actions.remove_passkey(actor=me, passkey_id=passkey_id)
    _changed(request, me)
    messages.success(request, _("That passkey no longer signs you in."))
    return redirect("web:security")


@require_POST
@in_team(need=Permission.MANAGE_MEMBERS)
def member_reset_factors(request: HttpRequest, me: User, team: Team, user_id: int) -> HttpResponse:
    """An organisation admin removes a member's second factors (a lost phone)."""
    member = access_member(me, team.pk, user_id, need=Permission.MANAGE_MEMBERS)
    if not is_org_admin(me, team.organisation_id):
        raise Forbidden(_("Only an organisation admin can reset a second factor."))
    done = _("%(name)s’s second factors are removed: they set one up at their next sign-in.")
    return act(
        request,
        lambda: actions.reset_factors(actor=me, organisation=team.organisation, user=member.user),
        back=redirect("web:member", user_id=user_id),
        done=done % {"name": member.user.name},
    )
