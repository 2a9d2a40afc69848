"""The HTTP API: one NinjaAPI, each domain's router mounted on it, errors mapped once."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from ropeteam.cases.api import router as cases_router
from ropeteam.core.errors import RopeteamError
from ropeteam.people.api import router as people_router
from ropeteam.people.auth import API_AUTH

api = NinjaAPI(
    title="Ropeteam API",
    version="1",
    description=(
        "Everything the Ropeteam web app does. Authenticate with a personal access token "
        "(`Authorization: Bearer rt_...`, made under Settings → API tokens or with "
        "`ropeteam token create USERNAME`) or, from the browser, the session cookie with CSRF."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
api.add_router("", people_router)
api.add_router("", cases_router)


@api.exception_handler(RopeteamError)
def ropeteam_error(request: HttpRequest, error: RopeteamError) -> HttpResponse:
    body: dict[str, str] = {"detail": error.message}
    if error.field:
        body["field"] = error.field
    return api.create_response(request, body, status=error.status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Sign in, or send a valid token as “Authorization: Bearer <token>”."},
        status=401,
    )
