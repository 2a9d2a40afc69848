"""What the device keeps: the service worker, the offline page and its rope card, the web app
manifest and icons, and wiping it all at sign-out."""

import re
from pathlib import Path
from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ropeteam.people.models import Team, User
from ropeteam.people.queries import Colleague, Rope
from ropeteam.web.templatetags.ropeteam import dial

STATIC = Path(__file__).resolve().parent.parent / "static" / "ropeteam"
SERVICE_WORKER = STATIC / "sw.js"
FAVICON = STATIC / "icons" / "favicon.ico"
# The header's colour, so an installed app's title bar matches the pages.
THEME_COLOR = "#073a5c"
BACKGROUND_COLOR = "#ffffff"
# A telephone number inside free text ("Emergency duty team 0300 555 0123"): digits with
# the spaces, dashes, dots and brackets people write, at least six digits long.
PHONE_IN_TEXT = re.compile(r"\+?\d[\d ().-]{4,}\d")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """sw.js from the site root, so it may look after every page (its scope is "/")."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # A stale worker would keep serving an old shell; the browser must always ask.
    add_never_cache_headers(response)
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the service worker shows when a page cannot be fetched.

    It is cached on the device, so it holds nothing about the person or their cases, only
    words in their language.
    """
    # No flash messages either: fetching this page must not use up one meant for the next page.
    return render(request, "web/offline.html", {"offline_page": True, "messages": []})


class LogoutView(auth_views.LogoutView):
    """Sign out, and have the browser forget what this site kept on the device.

    The outbox in IndexedDB may hold messages not yet sent; on a shared phone they must not
    outlive the session. The page's script deletes it too, for browsers that ignore the header.
    """

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: what a phone needs to put Ropeteam on its home screen."""
    icons = [
        {"src": static("ropeteam/icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        *(_png(f"icon-{n}.png", n) for n in (192, 512)),
        # Full-bleed, the knot inside the circle a launcher may crop to.
        *(_png(f"icon-maskable-{n}.png", n, purpose="maskable") for n in (192, 512)),
    ]
    home = reverse("web:home")
    data = {
        "id": home,
        "name": "Ropeteam",
        "short_name": "Ropeteam",
        "description": _("Your rope holders, Thinking Together and field visits, on your phone."),
        "lang": get_language(),
        "dir": "rtl" if get_language_bidi() else "ltr",
        "start_url": home,
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": icons,
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


def _png(name: str, size: int, purpose: str = "any") -> dict[str, str]:
    return {
        "src": static(f"ropeteam/icons/{name}"),
        "sizes": f"{size}x{size}",
        "type": "image/png",
        "purpose": purpose,
    }


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on their own, even where a page names its icon."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=7 * 24 * 3600)
    return response


def rope_card(rope: Rope, team: Team, me: User) -> dict[str, Any]:
    """Who to call, as the device keeps it for the offline page: names and numbers only.

    Only the signed-in person's own rope, and nothing about cases, visits or messages: it
    stays on the phone until sign-out (docs/security.md).
    """

    def person(colleague: Colleague) -> dict[str, str]:
        phone = colleague.user.phone
        return {"name": colleague.user.name, "phone": phone, "dial": dial(phone)}

    contact = team.organisation.out_of_hours_contact
    number = PHONE_IN_TEXT.search(contact)
    return {
        "user": me.pk,
        "worker": me.name,
        "team": team.name,
        "holders": [person(c) for c in rope.holders],
        "duty_lead": person(rope.duty_lead) if rope.duty_lead else None,
        "out_of_hours": {"text": contact, "dial": dial(number.group()) if number else ""},
    }
