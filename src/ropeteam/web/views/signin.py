"""Signing in: a password, then a second factor for those who have one; or a passkey alone.

Between the two steps the person is not signed in: the session holds only who passed the
password, when, and their session hash (so a password changed meanwhile ends the attempt).
Wrong codes and refused passkeys count toward the same guessing limits as wrong passwords
(people/signin.py), per account and per address.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ropeteam.people import actions, passkeys, queries, signin
from ropeteam.people.auth import SignInForm, held_message
from ropeteam.people.models import User
from ropeteam.web.forms.factors import SecondStepForm
from ropeteam.web.views import _passkeys
from ropeteam.web.views.render import page, posted

PENDING_KEY = "_ropeteam_pending_signin"
PENDING_SECONDS = 300
BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def form_valid(self, form: Any) -> HttpResponse:
        user: User = form.get_user()
        if not queries.has_factor(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "hash": user.get_session_auth_hash(),
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("web:login_second")


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _pending(request: HttpRequest) -> tuple[User, str] | None:
    """Who passed the password step here, and where they were going, if still valid."""
    kept: Any = request.session.get(PENDING_KEY)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > PENDING_SECONDS:
        return None
    user_id = kept.get("user")
    if not isinstance(user_id, int):
        return None
    user = queries.active_account(user_id)
    if user is None or not constant_time_compare(user.get_session_auth_hash(), kept["hash"]):
        return None
    return user, str(kept["next"])


def _finish(request: HttpRequest, user: User, next_url: str) -> str:
    request.session.pop(PENDING_KEY, None)
    user.refresh_from_db()  # a recovery code used has just ended the other sessions
    auth_login(request, user, backend=BACKEND)
    return next_url


def _check_code(request: HttpRequest, user: User, code: str) -> str | None:
    """None if the code lets the person in, else what to tell them."""
    attempt = signin.Attempt(user=user, address=_address(request))
    until = signin.held_until(attempt)
    if until is not None:
        signin.refused(attempt, until=until)
        return held_message(until)
    if actions.check_code(user=user, code=code) is not None:
        signin.succeeded(attempt)
        return None
    until = signin.failed(attempt)
    return held_message(until) if until else _("That code is not right. Try again.")


@require_http_methods(["GET", "POST"])
def second_step(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        messages.error(request, _("Please sign in again."))
        return redirect("web:login")
    user, next_url = pending
    form = SecondStepForm(posted(request))
    if form.is_valid():
        error = _check_code(request, user, form.cleaned_data["code"])
        if error is None:
            return redirect(_finish(request, user, next_url))
        form.add_error("code", error)
    factors = queries.factors_of(user)
    context = {"form": form, "has_totp": factors.has_totp, "has_passkey": bool(factors.passkeys)}
    return page(request, "web/login_second.html", context)


@require_POST
def passkey_options(request: HttpRequest) -> JsonResponse:
    """Options to sign in with a passkey: any of this site's, or the pending person's."""
    pending = _pending(request)
    allow = [p.credential_id for p in pending[0].passkeys.all()] if pending else []
    ceremony = passkeys.authentication(rp_id=_passkeys.rp_id(request), allow=allow)
    return _passkeys.begin(request, ceremony, "signin")


def _next(request: HttpRequest, data: dict[str, Any]) -> str:
    wanted = data.get("next")
    if isinstance(wanted, str) and url_has_allowed_host_and_scheme(
        wanted, {request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_POST
def passkey_signin(request: HttpRequest) -> JsonResponse:
    """Sign in with the passkey the browser answered with (alone, or as the second step)."""
    data = _passkeys.body(request)
    credential = _passkeys.credential(data)
    challenge = _passkeys.challenge(request, "signin")
    passkey = queries.passkey_by_credential(passkeys.credential_id(credential) or "")
    # Counted and held per address only: a passkey cannot be guessed, and it is how a person
    # whose account someone else is holding back with wrong passwords still gets in.
    attempt = signin.Attempt(user=None, address=_address(request))
    until = signin.held_until(attempt)
    if until is not None:
        signin.refused(attempt, until=until)
        return _passkeys.refused(held_message(until), status=429)
    pending = _pending(request)
    sign_count = None
    if passkey and challenge and (pending is None or pending[0].pk == passkey.user_id):
        try:
            sign_count = passkeys.authenticated(
                credential=credential,
                challenge=challenge,
                rp_id=_passkeys.rp_id(request),
                origins=_passkeys.origins(request),
                public_key=bytes(passkey.public_key),
                sign_count=passkey.sign_count,
            )
        except passkeys.PasskeyRefused:
            sign_count = None
    if passkey is None or sign_count is None:
        until = signin.failed(attempt)
        message = _("This passkey was not accepted. Try again, or sign in with your password.")
        return _passkeys.refused(held_message(until) if until else message)
    actions.passkey_used(passkey=passkey, sign_count=sign_count)
    signin.succeeded(attempt)
    next_url = pending[1] if pending else _next(request, data)
    return JsonResponse({"redirect": _finish(request, passkey.user, next_url)})
