"""Reads of concerns: mine (raised, received, escalated to me), one concern, and the team's
figures for the lead, which never name anyone or show a group small enough to point at them.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ropeteam.audit.log import record_read
from ropeteam.concerns.access import ABOVE_TEAM
from ropeteam.concerns.flow import LADDER, Level, State
from ropeteam.concerns.models import Concern, Direction, Entry
from ropeteam.escalation.flow import ChainState, StepState
from ropeteam.escalation.models import Chain
from ropeteam.people.models import Team, User


def mine(user: User) -> QuerySet[Concern]:
    """Every concern I raised, that was raised with me, or that was escalated to me, in the
    teams I am in now (one escalated to me also while I am above its team).

    Open ones first, newest first; then closed ones, the most recently closed first.
    """
    teams = user.memberships.filter(removed_at__isnull=True).values("team_id")
    above = set(user.org_admin_roles.values_list("organisation_id", flat=True)) | set(
        user.memberships.filter(removed_at__isnull=True, grade__in=ABOVE_TEAM).values_list(
            "team__organisation_id", flat=True
        )
    )
    return (
        Concern.objects.filter(
            (Q(raiser=user) | Q(colleague=user)) & Q(team_id__in=teams)
            | Q(escalate_to=user, escalated_at__isnull=False)
            & (Q(team_id__in=teams) | Q(team__organisation_id__in=above))
        )
        .select_related("team", "raiser", "colleague", "escalate_to", "case")
        .order_by(F("resolved_at").desc(nulls_first=True), "-created_at", "-id")
    )


def waiting_for(user: User) -> QuerySet[Concern]:
    """Concerns raised with me that wait for my response: they stay on my home screen."""
    teams = user.memberships.filter(removed_at__isnull=True).values("team_id")
    return (
        Concern.objects.filter(colleague=user, state=State.RAISED, team_id__in=teams)
        .select_related("raiser")
        .order_by("created_at", "id")
    )


def by_conversation(conversation_ids: Iterable[int]) -> dict[int, int]:
    """The concern each of these chats is beside: conversation id to its id."""
    rows = Concern.objects.filter(conversation_id__in=list(conversation_ids))
    return dict(rows.values_list("conversation_id", "pk"))


@dataclass(frozen=True)
class Detail:
    concern: Concern
    entries: list[Entry]


def view_concern(*, viewer: User, concern: Concern) -> Detail:
    """One concern with its exchange; reading one linked to a case is audited."""
    if concern.case_id is not None:
        record_read(
            actor=viewer,
            action="concerns.viewed",
            target=concern,
            team_id=concern.team_id,
            data={"case": concern.case_id},
        )
    return Detail(concern=concern, entries=list(concern.entries.select_related("by")))


@dataclass(frozen=True)
class Chase:
    """What the concern's deadline did in this round and does next, as its page tells it."""

    is_open: bool  # still re-sending, escalating or alerting again
    resent_at: datetime | None
    reminded_at: datetime | None  # whoever it went to was last alerted again
    next_at: datetime | None
    taken_by: User | None  # who answered: the colleague, or whoever it went to
    taken_at: datetime | None


def chase_of(concern: Concern) -> Chase | None:
    """Where this round's chain on the escalation engine stands (None: it has none)."""
    chain = (
        Chain.objects.filter(ladder=LADDER, subject_id=concern.pk, round=concern.round)
        .select_related("acknowledged_by")
        .first()
    )
    if chain is None:
        return None
    steps = chain.steps.order_by("position").values_list("position", "state", "fired_at", "due_at")
    fired = [(position, at) for position, state, at, _due in steps if state == StepState.FIRED]
    pending = [due for _p, state, _at, due in steps if state == StepState.PENDING]
    escalated_at = concern.escalated_at
    # A step that fired after it was escalated alerted whoever it went to again.
    reminded = [
        at for _p, at in fired if escalated_at is not None and at is not None and at > escalated_at
    ]
    return Chase(
        is_open=chain.state == ChainState.OPEN,
        resent_at=next((at for position, at in fired if position == 0), None),
        reminded_at=reminded[-1] if reminded else None,
        next_at=pending[0] if pending and chain.state == ChainState.OPEN else None,
        taken_by=chain.acknowledged_by,
        taken_at=chain.acknowledged_at,
    )


# --- the lead's figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A count, or None when it is under the threshold and would point at people."""

    key: str
    count: int | None


@dataclass(frozen=True)
class Activity:
    since: datetime
    min_group: int
    raised: int | None  # None: too few concerns in the period to show anything
    by_level: list[Figure]
    by_direction: list[Figure]
    answered_before_escalation: int | None
    median_response_seconds: float | None


def min_group() -> int:
    return int(settings.CONCERNS_MIN_GROUP)


def _suppressed(counts: dict[str, int], keys: list[str], threshold: int) -> list[Figure]:
    """Counts under the threshold are hidden (a zero points at nobody and is shown).

    The total less the shown counts is what the hidden ones add up to, so while that is under
    the threshold the next smallest count is hidden too: one hidden count would be the
    difference itself, and two that add up to 2 would be 1 each.
    """
    hidden = {k for k in keys if 0 < counts.get(k, 0) < threshold}
    shown = sorted((counts[k], k) for k in keys if k not in hidden and counts.get(k))
    while hidden and shown and sum(counts[k] for k in hidden) < threshold:
        hidden.add(shown.pop(0)[1])
    return [Figure(k, None if k in hidden else counts.get(k, 0)) for k in keys]


def activity(team: Team, *, days: int = 90) -> Activity:
    """Concerns in the team over the period by level reached, by direction relative to grade
    (how safe it is to speak up), and how fast they were answered: no names, no words."""
    since = timezone.now() - timedelta(days=days)
    threshold = min_group()
    rows = list(
        Concern.objects.filter(team=team, created_at__gte=since).values(
            "level", "direction", "created_at", "first_response_at", "escalated_at"
        )
    )
    if len(rows) < threshold:
        return Activity(since, threshold, None, [], [], None, None)
    levels: dict[str, int] = {}
    directions: dict[str, int] = {}
    for row in rows:
        level = Level(row["level"]).name.lower()
        levels[level] = levels.get(level, 0) + 1
        directions[row["direction"]] = directions.get(row["direction"], 0) + 1
    responses = [
        (r["first_response_at"] - r["created_at"]).total_seconds()
        for r in rows
        if r["first_response_at"] is not None
    ]
    # Answered before it went to anyone else: never escalated, or escalated only afterwards.
    in_time = sum(
        1
        for r in rows
        if r["first_response_at"] is not None
        and (r["escalated_at"] is None or r["first_response_at"] <= r["escalated_at"])
    )
    return Activity(
        since=since,
        min_group=threshold,
        raised=len(rows),
        by_level=_suppressed(levels, [lv.name.lower() for lv in Level], threshold),
        by_direction=_suppressed(directions, [d.value for d in Direction], threshold),
        answered_before_escalation=(
            in_time if in_time >= threshold and not 0 < len(rows) - in_time < threshold else None
        ),
        median_response_seconds=median(responses) if len(responses) >= threshold else None,
    )
