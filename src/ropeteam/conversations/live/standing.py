"""Who may be connected and what they may follow: authentication at connect, the `welcome`
and `heartbeat` contents, presence details, and each conversation's audience. Plain
synchronous functions, run on the hub's reader threads."""

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.utils import timezone
from django.utils.module_loading import import_string

from ropeteam.conversations.models import Participant
from ropeteam.people.actions import authenticate_token
from ropeteam.people.flow import Status, effective_availability
from ropeteam.people.models import Membership, User
from ropeteam.people.sessions import NEEDS_FACTOR_KEY
from ropeteam.realtime.events import Audience
from ropeteam.realtime.hub import Arrival, Standing
from ropeteam.realtime.presence import Teammate


def authenticate(*, session_key: str | None, bearer: str | None) -> User | None:
    """The active person behind a session cookie or a bearer token, or None."""
    if bearer is not None:
        return authenticate_token(bearer)
    if not session_key:
        return None
    store = import_string(settings.SESSION_ENGINE).SessionStore(session_key)
    if store.get(NEEDS_FACTOR_KEY):  # only Security and an open visit until a factor is set up
        return None
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    return user if isinstance(user, User) and user.is_active else None


def _availability(user: Any, now: Any) -> tuple[str, str | None]:
    shown = effective_availability(Status(user.availability_status), user.availability_until, now)
    return shown.status.value, shown.until.isoformat() if shown.until else None


def _team_ids(user_id: int) -> frozenset[int]:
    return frozenset(
        Membership.objects.filter(user_id=user_id, removed_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )


def arrive(user: User) -> Arrival:
    """What a newly connected person sees first (the `welcome` frame's contents)."""
    now = timezone.now()
    team_ids = _team_ids(user.pk)
    conversations = dict(
        Participant.objects.filter(user=user, conversation__team_id__in=team_ids).values_list(
            "conversation_id", "conversation__last_seq"
        )
    )
    teams_of: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in Membership.objects.filter(
        team_id__in=team_ids, removed_at__isnull=True, user__is_active=True
    ).values_list("user_id", "team_id"):
        teams_of[user_id].add(team_id)
    teammates = []
    for mate in User.objects.filter(pk__in=teams_of).exclude(pk=user.pk).order_by("pk"):
        status, until = _availability(mate, now)
        teammates.append(Teammate(mate.pk, frozenset(teams_of[mate.pk]), status, until))
    status, until = _availability(user, now)
    return Arrival(
        user_id=user.pk,
        team_ids=team_ids,
        me=Teammate(user.pk, team_ids, status, until),
        teammates=teammates,
        welcome={"conversations": {str(c): s for c, s in conversations.items()}},
    )


def teammate(user_id: int) -> Teammate | None:
    """One person's availability and teams now, for a presence event."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    status, until = _availability(user, timezone.now())
    return Teammate(user.pk, _team_ids(user.pk), status, until)


def standings(user_ids: set[int]) -> dict[int, Standing]:
    """For each connected person still allowed in, their teams and conversations' last seq.

    Someone missing from the answer has been deactivated.
    """
    teams: dict[int, set[int]] = {
        u: set()
        for u in User.objects.filter(pk__in=user_ids, is_active=True).values_list("pk", flat=True)
    }
    for user_id, team_id in Membership.objects.filter(
        user_id__in=teams, removed_at__isnull=True
    ).values_list("user_id", "team_id"):
        teams[user_id].add(team_id)
    conversations: dict[int, dict[str, int]] = {u: {} for u in teams}
    for user_id, conversation_id, team_id, last in Participant.objects.filter(
        user_id__in=teams
    ).values_list("user_id", "conversation_id", "conversation__team_id", "conversation__last_seq"):
        if team_id in teams[user_id]:
            conversations[user_id][str(conversation_id)] = last
    return {u: Standing(frozenset(teams[u]), {"conversations": conversations[u]}) for u in teams}


def audiences(conversation_ids: set[int]) -> dict[int, Audience]:
    """Who each conversation's events are for: its team and participants."""
    found: dict[int, tuple[int, set[int]]] = {}
    for conversation_id, team_id, user_id in Participant.objects.filter(
        conversation_id__in=conversation_ids
    ).values_list("conversation_id", "conversation__team_id", "user_id"):
        found.setdefault(conversation_id, (team_id, set()))[1].add(user_id)
    return {c: Audience(t, frozenset(u)) for c, (t, u) in found.items()}
