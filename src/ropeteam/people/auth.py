"""How the API knows who is asking: a personal access token, or the web session with CSRF."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

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
