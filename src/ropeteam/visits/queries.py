"""Reads of field visits: who is out now, and where a visit's chain has got to."""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from ropeteam.audit.log import record_read
from ropeteam.escalation import engine
from ropeteam.escalation.models import Chain
from ropeteam.people import queries as people
from ropeteam.people.access import current_membership
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, Team, User
from ropeteam.visits.flow import CHAIN, State
from ropeteam.visits.models import ALARM, Escalation, Visit


def out_now(viewer: User, team: Team) -> QuerySet[Visit]:
    """Open visits, overdue first: all of the team's for a lead, else the ones I am on or
    hold the rope for. A visit whose alarm nobody has taken stays, even once ended: only a
    human saying "I'm on it" silences an alarm."""
    alarm_untaken = Exists(
        Escalation.objects.filter(visit=OuterRef("pk"), step=ALARM, acknowledged_at__isnull=True)
    )
    visits = Visit.objects.filter(team=team).filter(~Q(state=State.ENDED) | alarm_untaken)
    membership = current_membership(viewer, team.pk)
    if membership is None or membership.role != Role.LEAD:
        visits = visits.filter(Q(worker=viewer) | Q(rope_holder=viewer))
    return (
        visits.select_related("worker", "rope_holder", "case")
        .prefetch_related("escalations")
        .order_by("expected_end", "id")
    )


def board(viewer: User, team: Team) -> QuerySet[Visit]:
    """Who's out now (`out_now`), with who said "I'm on it" to each alert."""
    return out_now(viewer, team).prefetch_related("escalations__acknowledged_by")


def alerts_of(visit: Visit) -> list[Escalation]:
    """The visit's alerts, newest first, with who took and who resolved each."""
    return list(
        visit.escalations.select_related("acknowledged_by", "resolved_by").order_by("-fired_at")
    )


def open_visit_of(worker: User) -> Visit | None:
    """The worker's own visit that has not ended, newest first: what the alarm in every
    page's footer is for. Any team's, so changing the team on screen never hides it."""
    return (
        Visit.objects.filter(worker=worker)
        .exclude(state=State.ENDED)
        .only("id", "expected_end", "state")
        .order_by("-started_at", "-id")
        .first()
    )


def view_visit(*, viewer: User, visit: Visit) -> Visit:
    """One visit with its alerts; reading one linked to a case is audited."""
    if visit.case_id is not None:
        record_read(
            actor=viewer,
            action="visits.viewed",
            target=visit,
            team_id=visit.team_id,
            data={"case": visit.case_id},
        )
    return visit


def chain_of(visit: Visit) -> Chain | None:
    """The chain of the visit's current round: open, acknowledged (by whom) or cancelled."""
    return (
        Chain.objects.filter(ladder=CHAIN, subject_id=visit.pk, round=visit.round)
        .select_related("acknowledged_by")
        .first()
    )


def next_alert_at(visit: Visit) -> datetime | None:
    """When the chain's next step (or the top step's next repeat) is due, if it is open."""
    return engine.next_due(ladder=CHAIN, subject_id=visit.pk)


def who_to_call(visit: Visit, now: datetime) -> people.Colleague | None:
    """Whom the worker should phone while nobody has answered: the duty lead on the rota,
    else a lead of the team (never the worker), else nobody."""
    leads = Membership.objects.filter(team_id=visit.team_id, removed_at__isnull=True).exclude(
        user_id=visit.worker_id
    )
    duty = people.duty_lead_at(visit.team, now)
    found = leads.filter(user=duty).first() if duty is not None else None
    if found is None:
        found = (
            leads.filter(role=Role.LEAD)
            .select_related("user")
            .order_by("user__display_name", "user_id")
            .first()
        )
    return people.colleague(found, now) if found is not None else None
