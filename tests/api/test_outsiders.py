"""Outsiders: another team's resources look exactly like resources that do not exist.

kim (Riverside lead) and lee (Riverside keyworker) share Northside's organisation, which makes
them the most plausible people to stumble on Northside's ids.
"""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from ropeteam.api.main import api as ninja_api
from ropeteam.people import actions as people
from tests.api.conftest import Api, Ids, iso, later, northside_state
from tests.conftest import World, audit_count

MISSING = 987_654_321
Body = Callable[[Ids, World], Any] | None
Route = tuple[str, str, Body]


def _shift_body(ids: Ids, world: World) -> dict[str, Any]:
    start = later(days=3)
    return {
        "lead_id": world.priya.pk,
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=8)),
    }


# Every team- and case-scoped operation, with a body that would succeed for a Northside lead:
# the 404 must come from the access check, not from validation.
NORTHSIDE_ROUTES: list[Route] = [
    ("GET", "/teams/{team_id}", None),
    ("GET", "/teams/{team_id}/members", None),
    (
        "POST",
        "/teams/{team_id}/members",
        lambda ids, w: {"username": "lee", "role": "practitioner", "grade": "practitioner"},
    ),
    ("PATCH", "/teams/{team_id}/members/{member_id}", lambda ids, w: {"role": "lead"}),
    ("DELETE", "/teams/{team_id}/members/{member_id}", None),
    ("GET", "/teams/{team_id}/members/{member_id}/rope", None),
    (
        "PUT",
        "/teams/{team_id}/members/{member_id}/rope-holders",
        lambda ids, w: {"holder_ids": [w.priya.pk]},
    ),
    ("GET", "/teams/{team_id}/invitations", None),
    (
        "POST",
        "/teams/{team_id}/invitations",
        lambda ids, w: {"role": "practitioner", "grade": "practitioner"},
    ),
    ("DELETE", "/teams/{team_id}/invitations/{invitation_id}", None),
    ("GET", "/teams/{team_id}/duty-shifts", None),
    ("GET", "/teams/{team_id}/unreachable", None),
    ("POST", "/teams/{team_id}/duty-shifts", _shift_body),
    ("DELETE", "/teams/{team_id}/duty-shifts/{shift_id}", None),
    ("GET", "/teams/{team_id}/cases", None),
    (
        "POST",
        "/teams/{team_id}/cases",
        lambda ids, w: {
            "reference": "NS-99",
            "initials": "AB",
            "age_band": "15_17",
            "risk_level": "low",
        },
    ),
    ("GET", "/cases/{case_id}", None),
    ("PATCH", "/cases/{case_id}", lambda ids, w: {"initials": "AB"}),
    ("POST", "/cases/{case_id}/risk", lambda ids, w: {"level": "low", "reason": "Settled."}),
    ("GET", "/teams/{team_id}/thinking", None),
    (
        "POST",
        "/teams/{team_id}/thinking",
        lambda ids, w: {"task": "plan", "urgency": "today", "mode": "phone", "ask": "team"},
    ),
    ("GET", "/teams/{team_id}/thinking/asked", None),
    (
        "POST",
        "/teams/{team_id}/thinking/quick",
        lambda ids, w: {
            "helper_id": w.morgan.pk,
            "task": "steadier",
            "mode": "phone",
            "met": "yes",
            "next_step": "close",
        },
    ),
    ("GET", "/teams/{team_id}/thinking/activity", None),
    ("GET", "/teams/{team_id}/thinking/waits", None),
    (
        "PUT",
        "/teams/{team_id}/thinking/waits",
        lambda ids, w: {"now_seconds": 60, "within_hour_seconds": 600, "today_seconds": 3600},
    ),
    ("GET", "/thinking/{consultation_id}", None),
    ("POST", "/thinking/{consultation_id}/accept", None),
    ("POST", "/thinking/{consultation_id}/decline", lambda ids, w: {"reason": "On a visit"}),
    ("POST", "/thinking/{consultation_id}/cancel", None),
    ("POST", "/thinking/{consultation_id}/emergency/acknowledge", None),
    ("POST", "/thinking/{consultation_id}/step", lambda ids, w: {"step": 2}),
    ("POST", "/thinking/{consultation_id}/invite", lambda ids, w: {"colleague_id": w.priya.pk}),
    (
        "POST",
        "/thinking/{consultation_id}/facilitator",
        lambda ids, w: {"facilitator_id": w.sam.pk},
    ),
    (
        "POST",
        "/thinking/{consultation_id}/outcome",
        lambda ids, w: {"met": "yes", "next_step": "close"},
    ),
    ("PUT", "/thinking/{consultation_id}/shared", lambda ids, w: {"shared": True}),
    ("GET", "/teams/{team_id}/agenda-items", None),
    ("POST", "/agenda-items/{agenda_item_id}/handled", None),
    ("GET", "/teams/{team_id}/visits", None),
    (
        "POST",
        "/teams/{team_id}/visits",
        lambda ids, w: {
            "location": "Park",
            "expected_end": iso(later(days=0) + timedelta(hours=1)),
        },
    ),
    ("GET", "/teams/{team_id}/visits/chain", None),
    (
        "PUT",
        "/teams/{team_id}/visits/chain",
        lambda ids, w: {
            "prompt_seconds": 0,
            "rope_holder_seconds": 300,
            "duty_lead_seconds": 600,
            "team_lead_seconds": 900,
        },
    ),
    ("GET", "/visits/{visit_id}", None),
    ("POST", "/visits/{visit_id}/rope", None),
    ("POST", "/visits/{visit_id}/handover", lambda ids, w: {"to_id": w.morgan.pk}),
    ("POST", "/visits/{visit_id}/check-in", None),
    ("POST", "/visits/{visit_id}/extend", lambda ids, w: {"minutes": 15}),
    ("POST", "/visits/{visit_id}/end", None),
    ("POST", "/visits/{visit_id}/alarm", None),
    ("POST", "/alerts/{escalation_id}/acknowledge", None),
    ("POST", "/alerts/{escalation_id}/resolve", lambda ids, w: {"outcome": "Reached her"}),
    (
        "POST",
        "/teams/{team_id}/concerns",
        lambda ids, w: {
            "colleague_id": w.morgan.pk,
            "level": "probe",
            "noticed": "No second worker",
            "asking": "Pair up?",
        },
    ),
    ("GET", "/teams/{team_id}/concerns/activity", None),
    ("GET", "/teams/{team_id}/concerns/times", None),
    (
        "PUT",
        "/teams/{team_id}/concerns/times",
        lambda ids, w: {
            "probe_seconds": 60,
            "alert_seconds": 60,
            "challenge_seconds": 60,
            "escalate_seconds": 60,
        },
    ),
    ("GET", "/concerns/{concern_id}", None),
    ("GET", "/teams/{team_id}/urgent-messages/wait", None),
    ("PUT", "/teams/{team_id}/urgent-messages/wait", lambda ids, w: {"wait_seconds": 60}),
    ("POST", "/urgent-messages/{check_id}/acknowledge", None),
    (
        "POST",
        "/concerns/{concern_id}/respond",
        lambda ids, w: {"response": "acknowledge", "text": "Yes, let's"},
    ),
    ("POST", "/concerns/{concern_id}/step-up", lambda ids, w: {"asking": "Today, please"}),
    ("POST", "/concerns/{concern_id}/challenge", lambda ids, w: {"asking": "Today, please"}),
    ("POST", "/concerns/{concern_id}/resolve", lambda ids, w: {"resolution": "resolved"}),
    ("POST", "/concerns/{concern_id}/on-it", None),
]
ROUTE_IDS = [f"{method} {path}" for method, path, _body in NORTHSIDE_ROUTES]


def _names_of_northside(world: World) -> list[str]:
    people_there = [world.priya, world.morgan, world.sam, world.jo, world.alex, world.dee]
    return [
        "Northside",
        world.sams_case.reference,
        world.sams_case.initials,
        *(p.username for p in people_there),
    ]


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None


@pytest.mark.parametrize("outsider", ["kim", "lee"])
@pytest.mark.parametrize("route", NORTHSIDE_ROUTES, ids=ROUTE_IDS)
def test_outsider_gets_404_for_every_northside_resource_and_changes_nothing(
    world: World, api: Callable[[str], Api], northside_ids: Ids, outsider: str, route: Route
) -> None:
    method, path, body = route
    client = api(outsider)
    payload = body(northside_ids, world) if body else None
    before, audited = northside_state(world), audit_count()

    response = client.call(method, path.format(**northside_ids), payload)
    missing = client.call(method, path.format(**dict.fromkeys(northside_ids, MISSING)), payload)

    assert response.status_code == 404
    # Existing-but-not-yours and does-not-exist must be indistinguishable.
    assert response.json() == missing.json()
    assert response.json()["detail"].startswith("No such")
    text = response.content.decode()
    assert [w for w in _names_of_northside(world) if _mentions(text, w)] == []
    assert northside_state(world) == before
    assert audit_count() == audited  # not even an audited read


def test_the_outsider_walk_covers_every_team_case_consultation_visit_and_concern_endpoint() -> None:
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in ninja_api.get_openapi_schema()["paths"].items()
        for method in operations
        if any(
            f"{{{name}}}" in path
            for name in (
                "team_id",
                "case_id",
                "consultation_id",
                "visit_id",
                "escalation_id",
                "concern_id",
                "agenda_item_id",
                "check_id",
            )
        )
    }
    walked = {(method, path) for method, path, _body in NORTHSIDE_ROUTES}
    assert documented == walked


# Routes that take a team plus something inside it: kim may use her own team's id and try to
# reach Northside's member, invitation or shift through it.
NESTED_ROUTES = [r for r in NORTHSIDE_ROUTES if re.search(r"\{team_id\}/[\w-]+/\{", r[1])]


@pytest.mark.parametrize("route", NESTED_ROUTES, ids=[f"{m} {p}" for m, p, _b in NESTED_ROUTES])
def test_a_lead_cannot_reach_another_teams_member_invitation_or_shift_through_her_own_team(
    world: World, api: Callable[[str], Api], northside_ids: Ids, route: Route
) -> None:
    method, path, body = route
    kim = api("kim")
    through_riverside = {**northside_ids, "team_id": world.riverside.pk}
    payload = body(northside_ids, world) if body else None
    before = northside_state(world)

    response = kim.call(method, path.format(**through_riverside), payload)
    missing = kim.call(
        method,
        path.format(**{**dict.fromkeys(northside_ids, MISSING), "team_id": world.riverside.pk}),
        payload,
    )

    assert response.status_code == 404
    assert response.json() == missing.json()
    assert northside_state(world) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "PUT",
            "/teams/{riverside}/members/{lee}/rope-holders",
            lambda other: {"holder_ids": [other]},
        ),
        (
            "POST",
            "/teams/{riverside}/duty-shifts",
            lambda other: {
                "lead_id": other,
                "starts_at": iso(later(days=2)),
                "ends_at": iso(later(days=2, hours=8)),
            },
        ),
        (
            "POST",
            "/teams/{riverside}/cases",
            lambda other: {
                "reference": "RS-2",
                "initials": "AB",
                "age_band": "15_17",
                "risk_level": "low",
                "keyworker_ids": [other],
            },
        ),
    ],
    ids=["rope holders", "duty lead", "keyworkers"],
)
def test_naming_another_teams_member_in_a_body_reads_like_naming_nobody(
    world: World, api: Callable[[str], Api], method: str, path: str, body: Callable[[int], Any]
) -> None:
    kim = api("kim")
    url = path.format(riverside=world.riverside.pk, lee=world.lee.pk)

    with_sam = kim.call(method, url, body(world.sam.pk))
    with_nobody = kim.call(method, url, body(MISSING))

    assert with_sam.status_code == 400
    # The same words and the same field, or the answer would tell which user ids exist.
    assert with_sam.json() == with_nobody.json()
    assert re.search(r"must be (a )?current members? of the team", with_sam.json()["detail"])


def test_adding_a_username_from_another_organisation_reads_like_an_unknown_username(
    world: World, api: Callable[[str], Api]
) -> None:
    elsewhere = people.create_organisation(actor=None, name="Elsewhere Trust")
    their_team = people.create_team(actor=None, organisation=elsewhere, name="Eastside")
    zed = people.create_account(actor=None, username="zed", display_name="Zed", password=None)
    people.add_member(actor=None, team=their_team, user=zed, role="lead", grade="team_lead")
    kim = api("kim")
    member = {"role": "practitioner", "grade": "practitioner"}

    response = kim.post(f"/teams/{world.riverside.pk}/members", {"username": "zed", **member})
    nobody = kim.post(f"/teams/{world.riverside.pk}/members", {"username": "nobody", **member})

    assert response.status_code == 404
    assert response.json()["detail"] == nobody.json()["detail"].replace("nobody", "zed")
    assert "Send an invitation link instead." in response.json()["detail"]
    assert not their_team.memberships.filter(user=world.kim).exists()
    assert not world.riverside.memberships.filter(user=zed).exists()
