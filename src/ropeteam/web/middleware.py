"""What every answer to a signed-in person carries: no-store, and a session kept in limits."""

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ropeteam.people import queries, sessions
from ropeteam.people.sessions import NEEDS_FACTOR_KEY

NO_STORE = "no-store"


class NoStoreMiddleware:
    """`Cache-Control: no-store` on everything answered to a signed-in person or a token.

    Their pages and API answers hold names, cases and messages: no browser cache, shared
    computer's back button or proxy may keep a copy after they sign out. Static files are
    answered before this middleware runs and keep their long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read before the view: signing out makes the person anonymous, and the page that
        # answers it still came from a session.
        personal = "HTTP_AUTHORIZATION" in request.META or request.user.is_authenticated
        response = self.get_response(request)
        if personal or request.user.is_authenticated:
            response["Cache-Control"] = NO_STORE
        return response


STARTED_KEY = "_ropeteam_started"
SEEN_KEY = "_ropeteam_seen"
# The session row is written at most this often: the idle limit is then kept to within a
# minute (early, never late), and a busy page does not write on every request.
TOUCH_EVERY_SECONDS = 60


def keep_in_limits(session: SessionBase, *, now: int) -> bool:
    """Set the session to end after the idle time from now, but never past its absolute
    lifetime from sign-in (the session store refuses a session past its expiry); whether
    it was moved (at most once a minute)."""
    started = int(session.setdefault(STARTED_KEY, now))
    if now - int(session.get(SEEN_KEY, 0)) < TOUCH_EVERY_SECONDS:
        return False
    session[SEEN_KEY] = now
    ends = min(now + settings.SESSION_IDLE_SECONDS, started + settings.SESSION_MAX_SECONDS)
    # An instant, not a number of seconds: Django counts seconds from each save, so a view
    # that writes the session later would otherwise carry it past its end.
    session.set_expiry(datetime.fromtimestamp(ends, tz=UTC))
    return True


class SessionLimitsMiddleware:
    """Idle timeout and absolute lifetime (ROPETEAM_SESSION_IDLE_MINUTES, _MAX_HOURS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view, so the sign-in request itself starts the clock; a sign-out has
        # flushed the session and left nobody signed in.
        if request.user.is_authenticated and hasattr(request, "session"):
            touched = keep_in_limits(request.session, now=int(time.time()))
            if touched and request.session.session_key:
                # "My devices" shows when each session was last used, to within a minute.
                sessions.seen(request.session.session_key)
        return response


# What such a person may still reach: setting up, signing out, the app's shell, and a
# field visit's page, check-in, extension, end and alarm (web and API): a safety path is
# never held behind a set-up step.
FACTOR_EXEMPT = re.compile(
    r"^/(settings/security/|login/|logout/|static/|sw\.js$|manifest\.webmanifest$"
    r"|favicon\.ico$|offline$|healthz$|readyz$"
    r"|visits/\d+/((check-in|alarm|end|extend)/)?$"
    r"|api/v1/visits/\d+/(check-in|alarm|end|extend)$)"
)


def note_factor_policy(
    sender: Any, *, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """At sign-in: must this person set up a second factor before anything else?"""
    if request is None or not hasattr(request, "session"):
        return
    if queries.must_set_up_factor(user):
        request.session[NEEDS_FACTOR_KEY] = True
    else:
        request.session.pop(NEEDS_FACTOR_KEY, None)


class SecondFactorPolicyMiddleware:
    """Send a person who must set up a second factor to Security, whatever they open; the
    API answers them 403. Only a flag in the session is read: no query per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and request.session.get(NEEDS_FACTOR_KEY)
            and not FACTOR_EXEMPT.match(request.path_info)
        ):
            message = _("Set up a second factor first: an authenticator app or a passkey.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            return redirect("web:security")
        return self.get_response(request)
