"""What every page shares: rendering with the right status, form data, member choices."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from ropeteam.people import queries
from ropeteam.people.models import Team, User


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render a page; one that shows a form sent back for correcting answers 400."""
    shown = [
        v for value in context.values() for v in (value if isinstance(value, list) else [value])
    ]
    refused = any(isinstance(v, forms.BaseForm) and v.is_bound for v in shown)
    return render(request, template, context, status=400 if refused else 200)


def posted(request: HttpRequest) -> QueryDict | None:
    """The form data of a POST, or None to show the form unfilled."""
    return request.POST if request.method == "POST" else None


def team_members(team: Team) -> list[User]:
    return [m.user for m in queries.current_members(team)]
