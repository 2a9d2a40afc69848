"""Reads of Thinking Together: what is asked of me, my history, one session, the team's
activity in figures (never notes)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ropeteam.audit.log import record_read
from ropeteam.people import queries as people
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, Team, User
from ropeteam.thinking.access import is_in
from ropeteam.thinking.flow import AgendaKind, State
from ropeteam.thinking.models import (
    AgendaItem,
    AgreedAction,
    Asked,
    Consultation,
    Participant,
    StepChange,
)


def asked_of(user: User, team: Team) -> QuerySet[Consultation]:
    """Requests waiting for a helper that were sent to me and that I have not declined."""
    return (
        Consultation.objects.filter(
            team=team,
            state=State.REQUESTED,
            asked__user=user,
            asked__declined_at__isnull=True,
        )
        .select_related("seeker", "case")
        .order_by("created_at")
    )


def who_to_call(consultation: Consultation, now: datetime | None = None) -> User | None:
    """Whom the help-seeker should phone when nobody has accepted: the duty lead on the rota,
    else a lead of the team (never the help-seeker), else nobody."""
    lead = people.duty_lead_at(consultation.team, now or timezone.now())
    if lead is not None and lead.pk != consultation.seeker_id:
        return lead
    member = (
        Membership.objects.filter(team_id=consultation.team_id, role=Role.LEAD, removed_at=None)
        .exclude(user_id=consultation.seeker_id)
        .select_related("user")
        .order_by("user__display_name", "user_id")
        .first()
    )
    return member.user if member is not None else None


def invitations(user: User, team: Team) -> QuerySet[Participant]:
    """Sessions under way that someone brought me into (widening the quorum), newest first."""
    return (
        Participant.objects.filter(
            user=user, consultation__team=team, consultation__state=State.ACTIVE
        )
        .select_related("consultation", "consultation__seeker", "invited_by")
        .order_by("-joined_at", "-id")
    )


def follow_up_of(consultation: Consultation) -> Consultation | None:
    """Where the thinking carried on when this one widened the quorum, if it did."""
    return consultation.followed_by.order_by("pk").first()


def history(user: User, team: Team) -> QuerySet[Consultation]:
    """Every Thinking Together I asked for, helped with or joined, newest first."""
    return (
        Consultation.objects.filter(team=team)
        .filter(Q(seeker=user) | Q(helper=user) | Q(others__user=user))
        .distinct()
        .select_related("seeker", "helper", "case")
        .order_by("-created_at", "-id")
    )


def open_now(user: User, team: Team, *, besides: Iterable[int] = ()) -> QuerySet[Consultation]:
    """My Thinking Together still asked for or under way, newest first, leaving out
    `besides` (those already shown another way)."""
    return (
        history(user, team)
        .filter(state__in=[State.REQUESTED, State.ACTIVE])
        .exclude(pk__in=list(besides))
    )


def in_it_ids(consultation: Consultation) -> set[int]:
    """Who is in it: the help-seeker, the helper and anyone brought in."""
    ids = {consultation.seeker_id, *consultation.others.values_list("user_id", flat=True)}
    return ids | ({consultation.helper_id} if consultation.helper_id is not None else set())


def by_conversation(conversation_ids: Iterable[int]) -> dict[int, int]:
    """The Thinking Together each of these chats is beside: conversation id to its id."""
    rows = Consultation.objects.filter(conversation_id__in=list(conversation_ids))
    return {c: pk for c, pk in rows.values_list("conversation_id", "pk") if c is not None}


@dataclass(frozen=True)
class Detail:
    consultation: Consultation
    asked: list[Asked]
    steps: list[StepChange]
    others: list[User]
    actions: list[AgreedAction]
    can_read_notes: bool
    followed_by_id: int | None


def view_consultation(*, viewer: User, consultation: Consultation) -> Detail:
    """One Thinking Together; its notes only for those in it (or shared for supervision).

    Reading one linked to a case is audited.
    """
    in_it = is_in(viewer, consultation)
    if consultation.case_id is not None:
        record_read(
            actor=viewer,
            action="thinking.viewed",
            target=consultation,
            team_id=consultation.team_id,
            data={"case": consultation.case_id},
        )
    return Detail(
        consultation=consultation,
        asked=list(consultation.asked.select_related("user")),
        steps=list(consultation.steps.select_related("by")),
        others=[p.user for p in consultation.others.select_related("user")],
        actions=list(consultation.actions.select_related("owner")) if in_it else [],
        can_read_notes=in_it or consultation.shared_for_supervision,
        followed_by_id=consultation.followed_by.values_list("pk", flat=True).first(),
    )


def open_actions(user: User) -> QuerySet[AgreedAction]:
    """Actions agreed at step 4 that I own and have not done: they stay on my home screen."""
    return (
        AgreedAction.objects.filter(owner=user, done_at__isnull=True)
        .select_related("consultation")
        .order_by("due_at", "id")
    )


def get_open_action(user: User, action_id: int) -> AgreedAction | None:
    """One of my actions not yet done."""
    return open_actions(user).filter(pk=action_id).first()


@dataclass(frozen=True)
class Activity:
    """A team's Thinking Together in figures for the lead: no names, no notes."""

    since: datetime
    requested: int
    closed: int
    cancelled: int
    waiting: int
    by_mode: dict[str, int]
    by_met: dict[str, int]
    by_next_step: dict[str, int]
    median_response_seconds: float | None
    mean_steadiness_change: float | None


def activity(team: Team, *, days: int = 28) -> Activity:
    since = timezone.now() - timedelta(days=days)
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in Consultation.objects.filter(team=team, created_at__gte=since).values(
            "state",
            "mode",
            "met",
            "next_step",
            "created_at",
            "accepted_at",
            "steadiness_before",
            "steadiness_after",
            "is_quick_record",
            "follows",
        )
    ]

    def count(key: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in rows:
            if row[key]:
                found[row[key]] = found.get(row[key], 0) + 1
        return found

    responses = [
        (r["accepted_at"] - r["created_at"]).total_seconds()
        for r in rows
        # A quick record and a follow-up were under way when made: nobody was waiting.
        if r["accepted_at"] is not None and not r["is_quick_record"] and r["follows"] is None
    ]
    changes = [
        r["steadiness_after"] - r["steadiness_before"]
        for r in rows
        if r["steadiness_after"] is not None and r["steadiness_before"] is not None
    ]
    return Activity(
        since=since,
        requested=len(rows),
        closed=sum(r["state"] == State.CLOSED for r in rows),
        cancelled=sum(r["state"] == State.CANCELLED for r in rows),
        waiting=sum(r["state"] == State.REQUESTED for r in rows),
        by_mode=count("mode"),
        by_met=count("met"),
        by_next_step=count("next_step"),
        median_response_seconds=median(responses) if responses else None,
        mean_steadiness_change=sum(changes) / len(changes) if changes else None,
    )


@dataclass(frozen=True)
class Agenda:
    """An item for supervision or the team meeting as the lead sees it listed."""

    item: AgendaItem
    can_open: bool  # the lead may read the consultation (access_consultation's rules)


def agenda(
    viewer: User, team: Team, *, kind: AgendaKind | None = None, handled: bool = False
) -> list[Agenda]:
    """Items raised at step 4 for the team lead, newest first: those not yet taken, or all."""
    rows = AgendaItem.objects.filter(team=team)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if not handled:
        rows = rows.filter(handled_at__isnull=True)
    return _as_seen_by(viewer, rows.order_by("-created_at", "-id")[:200])


def agenda_entry(viewer: User, item: AgendaItem) -> Agenda:
    """One item as the lead sees it listed."""
    (entry,) = _as_seen_by(viewer, AgendaItem.objects.filter(pk=item.pk))
    return entry


def _as_seen_by(viewer: User, rows: QuerySet[AgendaItem]) -> list[Agenda]:
    """Whether the lead may open each item's consultation, by access_consultation's rules, in
    the same query: the list never widens who reads a Thinking Together."""
    rows = rows.select_related("consultation", "raised_by", "case").annotate(
        is_in=Exists(
            Participant.objects.filter(consultation=OuterRef("consultation"), user=viewer)
        ),
        was_asked=Exists(Asked.objects.filter(consultation=OuterRef("consultation"), user=viewer)),
    )
    return [
        Agenda(
            item=row,
            can_open=row.consultation.shared_for_supervision
            or viewer.pk in (row.consultation.seeker_id, row.consultation.helper_id)
            or bool(row.is_in)
            or bool(row.was_asked),
        )
        for row in rows
    ]
