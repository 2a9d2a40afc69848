"""Headers every answer to a signed-in person carries."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
