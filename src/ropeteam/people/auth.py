"""How the API knows who is asking (a personal access token, or the web session with CSRF),
and the sign-in forms, which hold back guessing."""

import math
from datetime import datetime
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja.security import HttpBearer, SessionAuth

from ropeteam.people import queries, signin
from ropeteam.people.actions import authenticate_token
from ropeteam.people.models import User


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return authenticate_token(token)


class BrowserSessionAuth(SessionAuth):
    """The web session; CSRF is checked only when the session cookie is actually sent."""

    def __call__(self, request: HttpRequest) -> Any:
        # Without the cookie there is no session a forged request could ride on: this is a
        # script whose token failed, and it should hear 401, not "CSRF check failed".
        if self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)


API_AUTH: list[Any] = [TokenAuth(), BrowserSessionAuth(csrf=True)]


def actor(request: HttpRequest) -> User:
    """The signed-in person behind an API request (authentication has already passed)."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)  # noqa: S101  ninja only calls views after auth succeeded
    return user


def held_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ngettext(
        "Too many failed sign-ins. Try again at %(time)s (in %(minutes)d minute).",
        "Too many failed sign-ins. Try again at %(time)s (in %(minutes)d minutes).",
        minutes,
    ) % {"time": timezone.localtime(until).strftime("%H:%M"), "minutes": minutes}


class HeldBack:
    """Sign-in forms' guard against guessing (`people/signin.py`): a held-back attempt is
    refused before its password is checked; a wrong one is counted; all are audited."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        attempt = signin.attempt(username=self.cleaned_data.get("username") or "", address=address)
        until = signin.held_until(attempt)
        if until is not None:
            signin.refused(attempt, until=until)
            raise ValidationError(held_message(until), code="held_back")
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            until = signin.failed(attempt)
            if until is not None:
                raise ValidationError(held_message(until), code="held_back") from None
            raise
        # With a second factor, the password is only half: the account's count starts
        # again after the factor (web/views/signin.py), or a guesser who has the password
        # could clear it between batches of guessed codes.
        if attempt.user is None or not queries.has_factor(attempt.user):
            signin.succeeded(attempt)
        return cleaned


class SignInForm(HeldBack, AuthenticationForm):
    pass


class AdminSignInForm(HeldBack, AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        # The admin's own sign-in page asks for no second factor, so it must not let in
        # anyone who has one: they sign in on the app's page, then open the admin.
        if user is not None and queries.has_factor(user):
            raise ValidationError(
                _("You sign in with a second factor: use the sign-in page, then open the admin."),
                code="second_factor",
            )
        return cleaned


class ChangePasswordForm(PasswordChangeForm):
    """Change my password: the current one is checked under the same hold as signing in, so
    a session left open cannot be used to guess it (a hold never ends a session)."""

    def __init__(self, user: User, data: Any = None, *, address: str = "") -> None:
        super().__init__(user, data)
        self.address = address
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password2"].label = _("The new password again")

    def clean_old_password(self) -> str:
        attempt = signin.attempt(username=self.user.username, address=self.address)
        until = signin.held_until(attempt)
        if until is not None:
            signin.refused(attempt, until=until)
            raise ValidationError(held_message(until), code="held_back")
        try:
            old: str = super().clean_old_password()
        except ValidationError:
            until = signin.failed(attempt)
            if until is not None:
                raise ValidationError(held_message(until), code="held_back") from None
            raise
        return old
