"""The team a signed-in person is working in, for every page and its header."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from ropeteam.audit import trail
from ropeteam.conversations import queries as conversations
from ropeteam.escalation.health import problems
from ropeteam.notify import urgent
from ropeteam.people.access import can, current_membership
from ropeteam.people.flow import Permission, Role
from ropeteam.people.models import Team, User
from ropeteam.people.queries import duty_lead_at, teams_for
from ropeteam.thinking import emergency
from ropeteam.thinking import queries as thinking
from ropeteam.visits import queries as visits
from ropeteam.web.live import strings

TEAM_KEY = "team_id"

# Which header link a page belongs under, so the header can mark it as the current one.
SECTIONS = {
    "home": "home",
    "audit_trail": "audit",
    "team": "team",
    "member": "team",
    "member_remove": "team",
    "rota": "rota",
    "cases": "cases",
    "case": "cases",
    "case_new": "cases",
    "case_edit": "cases",
    "invitations": "invitations",
    "tokens": "tokens",
    "devices": "tokens",
    "password_change": "tokens",
    "conversations": "conversations",
    "conversation": "conversations",
    "teams": "teams",
    **dict.fromkeys(
        ("concerns", "concern_new", "concern", "concern_activity", "concern_times"), "concerns"
    ),
    **dict.fromkeys(("visits", "visit_new", "visit", "visit_chain"), "visits"),
    **dict.fromkeys(
        ("thinking_history", "thinking_new", "thinking_quick", "thinking_activity", "thinking"),
        "thinking",
    ),
}


def chosen_team(request: HttpRequest, user: User) -> Team | None:
    """The team picked on the teams page if the person is still in it, else their first.

    Worked out once per request: the page's decorator and the header both ask.
    """
    cached: tuple[int, Team | None] | None = getattr(request, "_ropeteam_team", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    teams = teams_for(user)
    chosen = request.session.get(TEAM_KEY)
    team = next((t for t in teams if t.pk == chosen), teams[0] if teams else None)
    request._ropeteam_team = (user.pk, team)  # type: ignore[attr-defined]
    return team


def current_team(request: HttpRequest) -> dict[str, Any]:
    """The header's team, and which of its links this person may follow."""
    user = request.user
    if not isinstance(user, User):
        return _device()
    team = chosen_team(request, user)
    match = request.resolver_match
    return {
        **_device(),
        "current_team": team,
        "section": SECTIONS.get(match.url_name or "") if match else None,
        "can_view_cases": team is not None and can(user, team, Permission.VIEW_CASES),
        "can_manage_members": team is not None and can(user, team, Permission.MANAGE_MEMBERS),
        "can_audit": bool(trail.organisations_audited_by(user.pk)),
        "escalations_delayed": _delays_for(user, team),
        "emergencies": emergency.waiting_for(user),
        "unread_urgent": urgent.waiting_for(user),
        **_badges(user, team),
    }


def _badges(user: User, team: Team | None) -> dict[str, Any]:
    """What the phone's bottom bar marks: the visit I am out on (its alarm is then on every
    page), requests to think together waiting for me, conversations with unread messages.
    Three small queries, since this runs on every page."""
    return {
        "open_visit": visits.open_visit_of(user),
        "asked_count": thinking.asked_of(user, team).count() if team is not None else 0,
        "unread_count": conversations.unread_count(user),
    }


def _delays_for(user: User, team: Team | None) -> list[str]:
    """Why escalations are late, for the team lead and the duty lead: they must check on
    people in the field another way until it is mended. Nobody else is burdened with it."""
    if team is None:
        return []
    membership = current_membership(user, team.pk)
    is_lead = membership is not None and membership.role == Role.LEAD
    if is_lead or duty_lead_at(team, timezone.now()) == user:
        return problems()
    return []


def _device() -> dict[str, Any]:
    """What the page's scripts need on every page: their words and the outbox's age limit."""
    return {
        "live_strings": strings(),
        "outbox_max_age_seconds": int(settings.OUTBOX_MAX_AGE_HOURS * 3600),
    }
