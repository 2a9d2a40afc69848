"""How every page turns "not yours" and "not your role" into the 404 and 403 pages."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ropeteam.audit.log import record_refusal
from ropeteam.core.errors import Forbidden, NotFound
from ropeteam.people.access import access_team
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.web.context import chosen_team

P = ParamSpec("P")


def refusals(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Show NotFound as the 404 page and Forbidden as the 403 page, with their message."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, Forbidden) as error:
            if isinstance(request.user, User):
                record_refusal(
                    actor=request.user,
                    status=error.status,
                    method=request.method or "",
                    path=request.path,
                )
            return render(
                request, f"{error.status}.html", {"message": error.message}, status=error.status
            )

    return wrapper


def signed_in(
    view: Callable[Concatenate[HttpRequest, User, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A page for signed-in people only; the view gets the person as its second argument."""

    @refusals
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not isinstance(request.user, User):
            return redirect_to_login(request.get_full_path())
        return view(request, request.user, *args, **kwargs)

    return wrapper


def in_team(
    need: Permission = Permission.VIEW_TEAM,
) -> Callable[
    [Callable[Concatenate[HttpRequest, User, Team, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """A page about the current team, for people with `need` there; others choose a team."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, User, Team, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @signed_in
        @wraps(view)
        def wrapper(
            request: HttpRequest, me: User, /, *args: P.args, **kwargs: P.kwargs
        ) -> HttpResponse:
            team = chosen_team(request, me)
            if team is None:
                return redirect("web:teams")
            return view(request, me, access_team(me, team.pk, need=need), *args, **kwargs)

        return wrapper

    return decorate
