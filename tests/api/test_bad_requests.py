"""Requests that cannot be understood: a clear 400 or 422, never a 500, nothing written."""

from collections.abc import Callable
from typing import Any

import pytest

from ropeteam.core.text import half_character
from ropeteam.people.models import DutyShift
from tests.api.conftest import Api, Ids, northside_state
from tests.api.test_outsiders import NORTHSIDE_ROUTES
from tests.conftest import World, audit_count

# Writes that take a body (accept and cancel take none, so there is nothing to misparse).
WRITES = [
    (m, p) for m, p, b in NORTHSIDE_ROUTES if m in {"POST", "PUT", "PATCH"} and b is not None
] + [
    ("POST", "/me/tokens"),
    ("PUT", "/me/availability"),
]
WITH_IDS = [(m, p) for m, p, _b in NORTHSIDE_ROUTES if "{" in p] + [
    ("DELETE", "/me/tokens/{token_id}")
]


@pytest.mark.parametrize("route", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_a_body_that_is_not_json_gets_400_and_changes_nothing(
    world: World, api: Callable[[str], Api], northside_ids: Ids, route: tuple[str, str]
) -> None:
    method, path = route
    priya = api("priya")
    before, audited = northside_state(world), audit_count()

    response = getattr(priya.client, method.lower())(
        "/api/v1" + path.format(**northside_ids),
        '{"level": "low", reason: }',
        content_type="application/json",
        **priya.headers,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert northside_state(world) == before
    assert audit_count() == audited


@pytest.mark.parametrize("route", WITH_IDS, ids=[f"{m} {p}" for m, p in WITH_IDS])
def test_an_id_that_is_not_a_number_gets_422_naming_it(
    world: World, api: Callable[[str], Api], route: tuple[str, str]
) -> None:
    method, path = route
    names = [part.strip("{}") for part in path.split("/") if part.startswith("{")]

    body = {} if method in {"POST", "PUT", "PATCH"} else None

    response = api("priya").call(method, path.format(**dict.fromkeys(names, "NS-1")), body)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors if e["loc"][0] == "path"] == [["path", n] for n in names]
    assert all("valid integer" in e["msg"] for e in errors if e["loc"][0] == "path")


# Free text in request bodies across the API, each with a NUL character in one field.
TEXT_ATTEMPTS = [
    ("sam", "/me/tokens", {"name": "my\x00phone"}, "name"),
    ("admin", "/organisations/{organisation}/teams", {"name": "East\x00side"}, "name"),
    (
        "priya",
        "/teams/{team}/invitations",
        {"role": "practitioner", "grade": "practitioner", "note": "for\x00Robin"},
        "note",
    ),
    (
        "priya",
        "/teams/{team}/members",
        {"username": "le\x00e", "role": "practitioner", "grade": "practitioner"},
        "username",
    ),
    ("sam", "/cases/{case}/risk", {"level": "low", "reason": "Calmer\x00now."}, "reason"),
]
TEXT_IDS = ["token name", "team name", "invitation note", "username", "risk reason"]


@pytest.mark.parametrize("attempt", TEXT_ATTEMPTS, ids=TEXT_IDS)
def test_text_with_a_nul_character_gets_422_not_a_database_error(
    world: World, api: Callable[[str], Api], attempt: tuple[str, str, Any, str]
) -> None:
    persona, path, body, field = attempt
    url = path.format(
        organisation=world.organisation.pk, team=world.northside.pk, case=world.sams_case.pk
    )
    client = api(persona)
    audited = audit_count()

    response = client.post(url, body)

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "payload", field]
    assert "NUL character" in error["msg"]
    assert audit_count() == audited


@pytest.mark.parametrize("attempt", TEXT_ATTEMPTS, ids=TEXT_IDS)
def test_text_holding_half_a_character_gets_422_not_a_database_error(
    world: World, api: Callable[[str], Api], attempt: tuple[str, str, Any, str]
) -> None:
    persona, path, body, field = attempt
    # The same field, with half of a surrogate pair (sent as the JSON escape "\ud800").
    body = {k: v.replace("\x00", "\ud800") for k, v in body.items()}
    url = path.format(
        organisation=world.organisation.pk, team=world.northside.pk, case=world.sams_case.pk
    )
    client = api(persona)
    audited = audit_count()

    response = client.post(url, body)

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "payload", field]
    assert half_character() in error["msg"]
    assert audit_count() == audited


def test_a_nul_character_in_a_profession_is_refused_too(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").patch(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}", {"profession": "Nurse\x00"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", "profession"]


@pytest.mark.parametrize(
    "attempt",
    [
        ("PUT", "/teams/{team}/members/{sam}/rope-holders", {"holder_ids": [2**70]}, "holder_ids"),
        (
            "POST",
            "/teams/{team}/cases",
            {
                "reference": "NS-7",
                "initials": "AB",
                "age_band": "15_17",
                "risk_level": "low",
                "keyworker_ids": [2**70],
            },
            "keyworker_ids",
        ),
        ("PATCH", "/cases/{case}", {"keyworker_ids": [-(2**70)]}, "keyworker_ids"),
    ],
    ids=["rope holder", "keyworker on opening", "keyworker on correcting"],
)
def test_an_id_too_big_for_the_database_gets_422(
    world: World, api: Callable[[str], Api], attempt: tuple[str, str, Any, str]
) -> None:
    method, path, body, field = attempt
    url = path.format(team=world.northside.pk, sam=world.sam.pk, case=world.sams_case.pk)
    before = northside_state(world)

    response = api("priya").call(method, url, body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", field, 0]
    assert northside_state(world) == before


@pytest.mark.parametrize(
    "query",
    [
        {"start": "9999-12-31T00:00:00Z"},
        {"start": "2030-01-01T00:00:00Z", "end": "9999-12-31T23:00:00-05:00"},
        {"start": "0001-01-01T00:30:00+01:00"},
    ],
    ids=["start at the end of time", "end past the end of time", "start before year 1"],
)
def test_a_rota_window_at_the_edge_of_the_calendar_gets_400(
    world: World, api: Callable[[str], Api], query: dict[str, str]
) -> None:
    sam = api("sam")

    response = sam.client.get(
        f"/api/v1/teams/{world.northside.pk}/duty-shifts", query, **sam.headers
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Choose start and end times between the years 1 and 9999."}


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("9999-12-31T20:00:00-05:00", "9999-12-31T23:00:00-05:00"),
        ("0001-01-01T00:00:00+05:00", "0001-01-01T03:00:00+05:00"),
    ],
    ids=["after the year 9999 in UTC", "before the year 1 in UTC"],
)
def test_a_shift_at_the_edge_of_the_calendar_gets_422(
    world: World, api: Callable[[str], Api], starts_at: str, ends_at: str
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/duty-shifts",
        {"lead_id": world.sam.pk, "starts_at": starts_at, "ends_at": ends_at},
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "payload", "starts_at"]
    assert "between the years 1 and 9999" in error["msg"]
    assert not DutyShift.objects.exists()


def test_a_refusal_names_the_field_as_the_client_sent_it(
    world: World, api: Callable[[str], Api]
) -> None:
    priya = api("priya")
    team = world.northside.pk
    cases = {
        "holder_ids": priya.put(
            f"/teams/{team}/members/{world.sam.pk}/rope-holders", {"holder_ids": [world.sam.pk]}
        ),
        "lead_id": priya.post(
            f"/teams/{team}/duty-shifts",
            {
                "lead_id": world.kim.pk,
                "starts_at": "2030-01-01T08:00:00Z",
                "ends_at": "2030-01-01T20:00:00Z",
            },
        ),
        "keyworker_ids": priya.patch(
            f"/cases/{world.sams_case.pk}", {"keyworker_ids": [world.lee.pk]}
        ),
        "level": priya.post(
            f"/cases/{world.sams_case.pk}/risk", {"level": "high", "reason": "No change."}
        ),
    }

    named = {field: response.json().get("field") for field, response in cases.items()}

    assert named == {field: field for field in cases}
