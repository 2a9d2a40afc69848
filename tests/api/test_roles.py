"""Members without the role for something get 403, and nothing changes.

A team administrator (dee) keeps the rota but makes no clinical judgement; practitioners
(sam, alex) work cases but do not run the team; an org admin runs the team but never sees
case content.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import Api, Ids, iso, later, northside_state
from tests.conftest import World, audit_count

FORBIDDEN = {"detail": "Your role in this team does not allow that."}

Attempt = tuple[str, str, str, Callable[[World], Any] | None]

ATTEMPTS: list[Attempt] = [
    ("dee", "POST", "/cases/{case_id}/risk", lambda w: {"level": "low", "reason": "Settled."}),
    (
        "dee",
        "POST",
        "/teams/{team_id}/cases",
        lambda w: {"reference": "NS-9", "initials": "AB", "age_band": "15_17", "risk_level": "low"},
    ),
    ("dee", "PATCH", "/cases/{case_id}", lambda w: {"initials": "AB"}),
    (
        "dee",
        "PUT",
        "/teams/{team_id}/members/{member_id}/rope-holders",
        lambda w: {"holder_ids": [w.priya.pk]},
    ),
    (
        "alex",
        "PUT",
        "/teams/{team_id}/members/{member_id}/rope-holders",
        lambda w: {"holder_ids": [w.priya.pk]},
    ),
    ("sam", "GET", "/teams/{team_id}/invitations", None),
    (
        "sam",
        "POST",
        "/teams/{team_id}/invitations",
        lambda w: {"role": "practitioner", "grade": "practitioner"},
    ),
    ("sam", "DELETE", "/teams/{team_id}/invitations/{invitation_id}", None),
    (
        "sam",
        "POST",
        "/teams/{team_id}/members",
        lambda w: {"username": "lee", "role": "practitioner", "grade": "practitioner"},
    ),
    ("sam", "PATCH", "/teams/{team_id}/members/{member_id}", lambda w: {"role": "lead"}),
    ("sam", "DELETE", "/teams/{team_id}/members/{member_id}", None),
    (
        "sam",
        "POST",
        "/teams/{team_id}/duty-shifts",
        lambda w: {
            "lead_id": w.sam.pk,
            "starts_at": iso(later(days=3)),
            "ends_at": iso(later(days=3, hours=8)),
        },
    ),
    ("sam", "DELETE", "/teams/{team_id}/duty-shifts/{shift_id}", None),
    ("admin", "GET", "/teams/{team_id}/cases", None),
    (
        "admin",
        "POST",
        "/teams/{team_id}/cases",
        lambda w: {"reference": "NS-9", "initials": "AB", "age_band": "15_17", "risk_level": "low"},
    ),
]


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[f"{p} {m} {u}" for p, m, u, _b in ATTEMPTS])
def test_wrong_role_gets_403_and_nothing_changes(
    world: World, api: Callable[[str], Api], northside_ids: Ids, attempt: Attempt
) -> None:
    persona, method, path, body = attempt
    ids = {**northside_ids, "member_id": world.jo.pk}
    client = api(persona)
    before, audited = northside_state(world), audit_count()

    response = client.call(method, path.format(**ids), body(world) if body else None)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert northside_state(world) == before
    assert audit_count() == audited


def test_a_team_administrator_cannot_change_a_risk_level(
    world: World, api: Callable[[str], Api]
) -> None:
    dee = api("dee")

    response = dee.post(f"/cases/{world.sams_case.pk}/risk", {"level": "low", "reason": "Calm."})

    assert response.status_code == 403
    case = dee.get(f"/cases/{world.sams_case.pk}").json()
    assert case["risk_level"] == "high"
    assert len(case["risk_history"]) == 1


def test_a_team_administrator_can_read_cases_and_edit_the_rota(
    world: World, api: Callable[[str], Api]
) -> None:
    dee = api("dee")
    start = later(days=4)

    cases = dee.get(f"/teams/{world.northside.pk}/cases")
    shift = dee.post(
        f"/teams/{world.northside.pk}/duty-shifts",
        {
            "lead_id": world.morgan.pk,
            "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=8)),
        },
    )

    assert cases.status_code == 200
    assert shift.status_code == 201


def test_a_practitioner_can_read_but_not_edit_rope_holders(
    world: World, api: Callable[[str], Api]
) -> None:
    alex = api("alex")
    url = f"/teams/{world.northside.pk}/members/{world.sam.pk}"

    assert alex.get(f"{url}/rope").status_code == 200
    assert alex.put(f"{url}/rope-holders", {"holder_ids": [world.alex.pk]}).status_code == 403
    rope = alex.get(f"{url}/rope").json()
    assert [h["username"] for h in rope["holders"]] == ["jo", "morgan"]
