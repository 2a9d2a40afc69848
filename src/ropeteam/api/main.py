"""The HTTP API: one NinjaAPI, each domain's router mounted on it, errors mapped once.

Every error has the same shape, `{"detail": str, "field"?: str}` (plus `errors` for schema
validation), and every operation documents it, so clients handle one thing.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError

from ropeteam.audit.log import record_refusal
from ropeteam.cases.api import router as cases_router
from ropeteam.concerns.api import router as concerns_router
from ropeteam.conversations.api import router as conversations_router
from ropeteam.core.errors import RopeteamError
from ropeteam.notify.api import router as notify_router
from ropeteam.people.api import router as people_router
from ropeteam.people.auth import API_AUTH
from ropeteam.people.models import User
from ropeteam.thinking.api import router as thinking_router
from ropeteam.visits.api import router as visits_router

ERRORS = {
    "400": "The request cannot be carried out as asked; `detail` says why.",
    "401": "No valid token or session.",
    "403": "Your role does not allow this.",
    "404": "No such thing, or not yours to see.",
    "409": "Clashes with what is there, e.g. a duplicate reference.",
    "422": "The body, query or path does not fit the schema.",
}


class ErrorOut(Schema):
    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


class RopeteamAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        schema["components"].setdefault("schemas", {})["Error"] = ErrorOut.model_json_schema()
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, description in ERRORS.items():
                    operation["responses"].setdefault(
                        status, {"description": description, "content": ref}
                    )
        return schema


api = RopeteamAPI(
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
api.add_router("", conversations_router)
api.add_router("", thinking_router)
api.add_router("", visits_router)
api.add_router("", concerns_router)
api.add_router("", notify_router)


# Action arguments whose API field has another name.
API_FIELDS = {"holders": "holder_ids", "lead": "lead_id"}


@api.exception_handler(RopeteamError)
def ropeteam_error(request: HttpRequest, error: RopeteamError) -> HttpResponse:
    who = getattr(request, "auth", None)
    if error.status in (403, 404) and isinstance(who, User):
        record_refusal(
            actor=who, status=error.status, method=request.method or "", path=request.path
        )
    body: dict[str, str] = {"detail": error.message}
    if error.field:
        body["field"] = API_FIELDS.get(error.field, error.field)
    return api.create_response(request, body, status=error.status)


def _where(location: list[Any]) -> str:
    # ("body", "payload", "holder_ids", 0) -> "holder_ids.0"; ("query", "page", "after") ->
    # "after". Only the leading source and the parameter's own name go: a field may well be
    # called "body".
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "page"}:
            parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    # Keep pydantic's `loc`, `msg` and `type`, and add the field name as the client sent it.
    errors = [
        {
            "field": _where(list(e.get("loc", []))),
            "loc": list(e.get("loc", [])),
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in error.errors
    ]
    said = [(str(e["field"]), str(e["msg"])) for e in errors]
    detail = "; ".join(f"{field}: {msg}" if field else msg for field, msg in said)
    body: dict[str, Any] = {
        "detail": detail or "The request does not fit the schema.",
        "errors": errors,
    }
    if errors and errors[0]["field"]:
        body["field"] = errors[0]["field"]
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Sign in, or send a valid token as “Authorization: Bearer <token>”."},
        status=401,
    )
