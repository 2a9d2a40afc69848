"""What the device keeps: the service worker, the offline page, and wiping it all at sign-out."""

from pathlib import Path

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "ropeteam" / "sw.js"


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
