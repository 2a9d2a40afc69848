"""Who is asked: whom each circle reaches, and the request's widening chain."""

from datetime import datetime

from ropeteam.escalation import engine
from ropeteam.people import queries as people
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, Team, User
from ropeteam.thinking import flow
from ropeteam.thinking.actions._common import LADDER
from ropeteam.thinking.flow import Circle
from ropeteam.thinking.models import Asked, Consultation


def _circle(team: Team, seeker: User, circle: Circle, now: datetime) -> set[int]:
    """Who a circle reaches now (not the help-seeker)."""
    # Ids only: the worker runs this for every circle a request widens to, team by team.
    if circle == Circle.ROPE:
        ids = people.current_rope_holder_ids(team, seeker)
    elif circle == Circle.TEAM:
        ids = people.available_member_ids(team, now)
    elif circle == Circle.DUTY_LEAD:
        lead = people.duty_lead_at(team, now)
        ids = {lead.pk} if lead is not None else _leads(team)
    else:
        ids = set()
    return ids - {seeker.pk}


def _leads(team: Team) -> set[int]:
    return set(
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )


def _first_reachable(
    team: Team, seeker: User, circle: Circle, now: datetime
) -> tuple[Circle, set[int]]:
    """This circle, or the next one that reaches anybody (the duty lead circle always ends)."""
    while True:
        reached = _circle(team, seeker, circle, now)
        following = flow.next_circle(circle)
        if reached or following is None:
            return circle, reached
        circle = following


def _ask(
    consultation: Consultation,
    circle: Circle,
    ids: set[int],
    now: datetime,
    *,
    already: frozenset[int] | None = None,  # who was asked before, when the caller knows
) -> None:
    if already is None:
        already = frozenset(consultation.asked.values_list("user_id", flat=True))
    Asked.objects.bulk_create(
        Asked(consultation=consultation, user_id=i, circle=circle, asked_at=now)
        for i in sorted(ids - already)
    )


def _plan(consultation: Consultation, now: datetime) -> None:
    """Start the request's chain afresh at its circle, and show when it next widens.

    A round per circle, started when the circle was asked: each circle gets its full wait,
    whether the one before ended by its deadline (however late that fired) or because
    everyone in it said no.
    """
    first_due = engine.open_chain(
        ladder=LADDER, subject_id=consultation.pk, round=consultation.circle, start_at=now
    )
    # The duty lead's circle has no wider one: its step only repeats the alert.
    widens = flow.next_circle(Circle(consultation.circle)) is not None
    consultation.widen_at = first_due if widens else None
