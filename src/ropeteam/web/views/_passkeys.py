"""What the passkey endpoints share: the relying party, the challenge kept in the session,
and JSON in and out (the page's script, web/static/ropeteam/passkeys.js, talks to them)."""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from ropeteam.people.passkeys import Ceremony

CHALLENGE_KEY = "_ropeteam_passkey_challenge"
MAX_BODY = 64 * 1024


def rp_id(request: HttpRequest) -> str:
    """The configured relying-party id, else the host the page was opened on (the Host
    header has passed ALLOWED_HOSTS by now)."""
    configured: str = settings.PASSKEY_RP_ID
    return configured or request.get_host().rsplit(":", 1)[0].strip("[]")


def origins(request: HttpRequest) -> list[str]:
    configured: list[str] = settings.PASSKEY_ORIGINS
    return configured or [f"{request.scheme}://{request.get_host()}"]


def begin(request: HttpRequest, ceremony: Ceremony, purpose: str) -> JsonResponse:
    """Keep the challenge for this purpose only, and hand the options to the browser."""
    request.session[CHALLENGE_KEY] = {"purpose": purpose, "challenge": ceremony.challenge}
    return JsonResponse({"options": json.loads(ceremony.options_json)})


def challenge(request: HttpRequest, purpose: str) -> str | None:
    """The challenge begun for `purpose`, used up: each answers one ceremony only."""
    kept: Any = request.session.pop(CHALLENGE_KEY, None)
    if isinstance(kept, dict) and kept.get("purpose") == purpose:
        value = kept.get("challenge")
        return value if isinstance(value, str) else None
    return None


def body(request: HttpRequest) -> dict[str, Any]:
    """The JSON the script posted ({} when it is not JSON)."""
    if len(request.body) > MAX_BODY:
        return {}
    try:
        parsed = json.loads(request.body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def credential(data: dict[str, Any]) -> str:
    """The browser's credential, re-serialised for py_webauthn (which parses it again)."""
    value = data.get("credential")
    return json.dumps(value) if isinstance(value, dict) else ""


def refused(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
