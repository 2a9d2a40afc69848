"""Helpers for the HTTP API tests: bearer tokens for personas and a small JSON client.

`api("sam")` is the client most tests use: every request carries a fresh personal access
token of that persona, as a script or phone app would send it.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.cases.models import Case
from ropeteam.concerns import actions as concerns
from ropeteam.concerns.models import Concern, Entry, Times
from ropeteam.conversations import actions as conversations
from ropeteam.escalation import engine
from ropeteam.escalation.engine import FiredStep
from ropeteam.notify import urgent
from ropeteam.notify.models import UrgentCheck, UrgentWait
from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import DutyShift, Invitation, User
from ropeteam.thinking import actions as thinking
from ropeteam.thinking.flow import Step
from ropeteam.thinking.models import AgendaItem, Consultation, Waits
from ropeteam.visits import actions as visits
from ropeteam.visits.models import ChainSettings, Escalation, Visit
from tests.conftest import World

Headers = dict[str, str]
Ids = dict[str, int]


def token_for(user: User) -> Headers:
    """Headers carrying a fresh personal access token of this person."""
    _token, raw = people.create_token(actor=user, name="tests")
    return bearer(raw)


def bearer(raw: str) -> Headers:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@dataclass
class Api:
    """The test client speaking JSON to /api/v1 as one person."""

    client: Client
    headers: Headers

    def call(self, method: str, path: str, body: Any = None) -> Any:
        send = getattr(self.client, method.lower())
        url = f"/api/v1{path}"
        if body is None:
            return send(url, **self.headers)
        return send(url, json.dumps(body), content_type="application/json", **self.headers)

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    """`api("sam")` gives a JSON client authenticated with a token of that persona."""
    return lambda name: Api(Client(), token_for(getattr(world, name)))


def audit_entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def database_contains(secret: str) -> list[str]:
    """The tables where this text appears in any column of any row."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if any(secret in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


def later(**delta: float) -> datetime:
    """A moment some way ahead of now, for shifts and availability."""
    return timezone.now() + timedelta(**delta)


def iso(moment: datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def invitation(world: World) -> Invitation:
    """A pending Northside invitation, made by priya."""
    made, _raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    return made


@pytest.fixture
def shift(world: World) -> DutyShift:
    """Tomorrow's Northside duty shift, with priya as duty lead."""
    start = later(days=1).replace(hour=9, minute=0, second=0, microsecond=0)
    return people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.priya,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
    )


@pytest.fixture
def consultation(world: World) -> Consultation:
    """sam's request for a Thinking Together, sent to his rope holders (jo, morgan)."""
    return thinking.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=thinking.Ask("rope"),
    )


@pytest.fixture
def agenda_item(world: World) -> AgendaItem:
    """jo's Thinking Together with morgan, taken to supervision: an item for priya."""
    asked = thinking.request_help(
        actor=world.jo,
        team=world.northside,
        task="understanding",
        urgency="today",
        mode="phone",
        ask=thinking.Ask("named", world.morgan.pk),
    )
    accepted = thinking.accept(actor=world.morgan, consultation=asked)
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        accepted = thinking.move(actor=world.jo, consultation=accepted, step=step)
    thinking.record_outcome(
        actor=world.jo, consultation=accepted, met="partly", next_step="supervision"
    )
    return AgendaItem.objects.get(consultation=accepted)


@pytest.fixture
def visit(world: World) -> Visit:
    """sam out on a visit with jo holding the rope; the chain has alerted jo already."""
    started = visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=later(days=0) + timedelta(hours=1),
    )
    held = visits.hold_rope(actor=world.jo, visit=started)
    engine.run_due(now=held.expected_end + timedelta(minutes=10))
    return held


@pytest.fixture
def concern(world: World) -> Concern:
    """alex's Probe with morgan about sam's case: theirs alone until it is escalated."""
    return concerns.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=concerns.Statement(noticed="No second worker on Friday", asking="Pair up?"),
        case_id=world.sams_case.pk,
    )


@pytest.fixture
def urgent_check(world: World) -> UrgentCheck:
    """morgan's urgent message that sam has not read, shown to jo and priya as step 1 of the
    ladder shows it (fired here alone, so no other ladder's step runs)."""
    conversation, _new = conversations.start_conversation(
        actor=world.morgan, team=world.northside, member_ids=[world.sam.pk]
    )
    message = conversations.send_message(
        actor=world.morgan,
        conversation=conversation,
        client_id=uuid4(),
        body="Ring me",
        urgent=True,
    ).message
    now = timezone.now()
    urgent.UrgentLadder().fire(
        FiredStep(urgent.LADDER, message.pk, 0, 1, is_repeat=False, due_at=now, fired_at=now)
    )
    return UrgentCheck.objects.get(message=message)


@pytest.fixture
def northside_ids(
    world: World,
    *,
    invitation: Invitation,
    shift: DutyShift,
    consultation: Consultation,
    visit: Visit,
    concern: Concern,
    urgent_check: UrgentCheck,
    agenda_item: AgendaItem,
) -> Ids:
    """Ids of real Northside things, named as the OpenAPI path parameters are."""
    return {
        "team_id": world.northside.pk,
        "member_id": world.sam.pk,
        "case_id": world.sams_case.pk,
        "invitation_id": invitation.pk,
        "shift_id": shift.pk,
        "consultation_id": consultation.pk,
        "visit_id": visit.pk,
        "escalation_id": Escalation.objects.filter(visit=visit).order_by("step").last().pk,  # type: ignore[union-attr]
        "concern_id": concern.pk,
        "check_id": urgent_check.pk,
        "agenda_item_id": agenda_item.pk,
    }


def northside_state(world: World) -> tuple[object, ...]:
    """Everything about Northside a request might wrongly change, to compare before/after."""
    case = Case.objects.get(pk=world.sams_case.pk)
    return (
        sorted((c.user.pk, c.role, c.grade) for c in queries.list_team(world.northside)),
        queries.rope_holder_ids(world.northside, world.sam),
        (case.risk_level, case.initials, sorted(case.keyworkers.values_list("pk", flat=True))),
        Case.objects.filter(team=world.northside).count(),
        list(queries.pending_invitations(world.northside).values_list("pk", flat=True)),
        list(DutyShift.objects.filter(team=world.northside).values_list("pk", flat=True)),
        list(
            Consultation.objects.filter(team=world.northside).values_list(
                "pk", "state", "step", "helper_id", "shared_for_supervision", "facilitator_id"
            )
        ),
        Waits.objects.filter(team=world.northside).count(),
        list(AgendaItem.objects.filter(team=world.northside).values_list("pk", "handled_at")),
        list(
            Visit.objects.filter(team=world.northside).values_list(
                "pk", "state", "rope_holder_id", "expected_end", "round", "alarm_at", "ended_at"
            )
        ),
        list(
            Escalation.objects.filter(visit__team=world.northside).values_list(
                "pk", "acknowledged_by_id", "resolved_at"
            )
        ),
        ChainSettings.objects.filter(team=world.northside).count(),
        list(
            Concern.objects.filter(team=world.northside).values_list(
                "pk", "level", "state", "round", "resent", "escalated_at", "due_at", "resolution"
            )
        ),
        Entry.objects.filter(concern__team=world.northside).count(),
        list(Times.objects.filter(team=world.northside).values_list()),
        list(UrgentWait.objects.filter(team=world.northside).values_list()),
        list(
            UrgentCheck.objects.filter(message__conversation__team=world.northside).values_list(
                "pk", "acknowledged_by_id", "ended_at"
            )
        ),
    )
