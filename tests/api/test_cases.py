"""Pseudonymised cases and their risk levels; every read leaves an audit entry."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from ropeteam.cases import actions as cases
from ropeteam.cases.models import Case, RiskChange
from tests.api.conftest import Api, audit_entries, database_contains
from tests.conftest import World

PSEUDONYMISED = (
    "Cases are pseudonymised: leave out names, addresses, contact details and dates of birth."
)


def _new_case(world: World, **change: Any) -> dict[str, Any]:
    return {
        "reference": "NS-2",
        "initials": "AB",
        "age_band": "18_21",
        "risk_level": "medium",
        "keyworker_ids": [world.jo.pk],
        **change,
    }


def _risk(world: World) -> str:
    return Case.objects.get(pk=world.sams_case.pk).risk_level


# --- listing and reading ------------------------------------------------------------------


def test_the_case_list_shows_open_cases_highest_risk_first_and_is_audited(
    world: World, api: Callable[[str], Api]
) -> None:
    for reference, level in [("NS-3", "low"), ("NS-4", "critical")]:
        cases.open_case(
            actor=world.jo,
            team=world.northside,
            reference=reference,
            initials="CD",
            age_band="15_17",
            risk_level=level,
            keyworker_ids=[world.jo.pk],
        )

    response = api("dee").get(f"/teams/{world.northside.pk}/cases")

    assert response.status_code == 200
    listed = response.json()
    assert [(c["reference"], c["risk_level"]) for c in listed] == [
        ("NS-4", "critical"),
        ("NS-1", "high"),
        ("NS-3", "low"),
    ]
    created_at = listed[1].pop("created_at")
    # JSON carries milliseconds.
    assert abs(datetime.fromisoformat(created_at) - world.sams_case.created_at) < timedelta(
        milliseconds=1
    )
    assert listed[1] == {
        "id": world.sams_case.pk,
        "team_id": world.northside.pk,
        "reference": "NS-1",
        "initials": "JT",
        "age_band": "15_17",
        "risk_level": "high",
        "keyworker_ids": [world.sam.pk],
    }
    entry = audit_entries("case.listed")[-1]
    assert (entry.actor_id, entry.team_id, entry.data) == (
        world.dee.pk,
        world.northside.pk,
        {"count": 3},
    )


def test_the_case_list_can_show_one_keyworkers_cases(
    world: World, api: Callable[[str], Api]
) -> None:
    cases.open_case(
        actor=world.jo,
        team=world.northside,
        reference="NS-3",
        initials="CD",
        age_band="15_17",
        risk_level="low",
        keyworker_ids=[world.jo.pk],
    )
    sam = api("sam")
    url = f"/api/v1/teams/{world.northside.pk}/cases"

    mine = sam.client.get(url, {"keyworker_id": world.sam.pk}, **sam.headers)
    not_in_team = sam.client.get(url, {"keyworker_id": world.lee.pk}, **sam.headers)

    assert [c["reference"] for c in mine.json()] == ["NS-1"]
    assert not_in_team.json() == []


def test_reading_a_case_shows_its_risk_history_and_is_audited(
    world: World, api: Callable[[str], Api]
) -> None:
    cases.change_risk(
        actor=world.sam, case=world.sams_case, level="critical", reason="Missing overnight."
    )

    response = api("jo").get(f"/cases/{world.sams_case.pk}")

    assert response.status_code == 200
    case = response.json()
    assert (case["reference"], case["risk_level"]) == ("NS-1", "critical")
    assert [
        (c["from_level"], c["to_level"], c["reason"], c["changed_by"]) for c in case["risk_history"]
    ] == [
        ("high", "critical", "Missing overnight.", "Sam"),
        (None, "high", "Case opened.", "Sam"),
    ]
    entry = audit_entries("case.viewed")[-1]
    assert (entry.actor_id, entry.target_id) == (world.jo.pk, str(world.sams_case.pk))


def test_an_org_admin_never_sees_case_content(world: World, api: Callable[[str], Api]) -> None:
    admin = api("admin")

    listed = admin.get(f"/teams/{world.northside.pk}/cases")
    one = admin.get(f"/cases/{world.sams_case.pk}")

    assert listed.status_code == 403
    assert one.status_code == 404
    assert one.json() == admin.get("/cases/987654321").json() == {"detail": "No such case."}
    assert "NS-1" not in listed.content.decode() + one.content.decode()
    assert audit_entries("case.viewed") == []


# --- opening ------------------------------------------------------------------------------


def test_a_keyworker_opens_a_case_with_its_first_risk_level(
    world: World, api: Callable[[str], Api]
) -> None:
    sam = api("sam")

    response = sam.post(
        f"/teams/{world.northside.pk}/cases",
        _new_case(world, initials="a.b.", keyworker_ids=[world.jo.pk, world.sam.pk]),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["reference"], body["initials"], body["age_band"], body["risk_level"]) == (
        "NS-2",
        "AB",
        "18_21",
        "medium",
    )
    assert body["keyworker_ids"] == sorted([world.jo.pk, world.sam.pk])
    detail = sam.get(f"/cases/{body['id']}").json()
    assert [(c["from_level"], c["to_level"]) for c in detail["risk_history"]] == [(None, "medium")]
    entry = audit_entries("case.opened")[-1]
    assert (entry.actor_id, entry.target_id, entry.data["risk_level"]) == (
        world.sam.pk,
        str(body["id"]),
        "medium",
    )


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"reference": "12/03/2009"}, "reference", "a full date (such as a date of birth)"),
        ({"reason": "Referred by school, DOB 12.03.2009"}, "reason", "date of birth"),
        ({"reason": "Mum on 07700 900123"}, "reason", "a phone number"),
        ({"reason": "Lives near LS1 4AP"}, "reason", "a postcode"),
    ],
    ids=["date as reference", "date of birth in reason", "phone in reason", "postcode in reason"],
)
def test_identifying_details_are_refused_and_no_case_is_opened(
    world: World, api: Callable[[str], Api], change: dict[str, Any], field: str, says: str
) -> None:
    before = (Case.objects.count(), RiskChange.objects.count())

    response = api("sam").post(f"/teams/{world.northside.pk}/cases", _new_case(world, **change))

    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field
    assert says in body["detail"]
    assert body["detail"].endswith(PSEUDONYMISED)
    assert (Case.objects.count(), RiskChange.objects.count()) == before
    assert audit_entries("case.opened")[-1].target_id == str(world.lees_case.pk)


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        (
            {"initials": "Jamie"},
            400,
            "Initials only: one to three letters, e.g. “JT”. Never a name.",
        ),
        ({"initials": "J0"}, 400, "Initials only: one to three letters, e.g. “JT”. Never a name."),
        (
            {"reference": "NS 2"},
            400,
            "A team reference is 2–24 letters, digits, dashes or slashes, e.g. NS-014.",
        ),
        ({"reference": "NS-1"}, 409, "The team already has a case with reference NS-1."),
        ({"keyworker_ids": [987654321]}, 400, "Keyworkers must be current members of the team."),
    ],
    ids=[
        "a name as initials",
        "a digit in initials",
        "space in reference",
        "duplicate reference",
        "unknown keyworker",
    ],
)
def test_a_case_with_bad_details_is_refused_and_none_is_opened(
    world: World, api: Callable[[str], Api], change: dict[str, Any], status: int, detail: str
) -> None:
    before = (Case.objects.count(), RiskChange.objects.count())

    response = api("sam").post(f"/teams/{world.northside.pk}/cases", _new_case(world, **change))

    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert (Case.objects.count(), RiskChange.objects.count()) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"risk_level": "extreme"}, "risk_level"),
        ({"age_band": "30_40"}, "age_band"),
        ({"initials": "Jonathan"}, "initials"),
        ({"keyworker_ids": "sam"}, "keyworker_ids"),
    ],
)
def test_a_case_with_unreadable_fields_gets_422_naming_the_field(
    world: World, api: Callable[[str], Api], change: dict[str, Any], field: str
) -> None:
    response = api("sam").post(f"/teams/{world.northside.pk}/cases", _new_case(world, **change))

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", field]
    assert not Case.objects.filter(reference="NS-2").exists()


# --- correcting ---------------------------------------------------------------------------


def test_a_keyworker_corrects_initials_age_band_and_keyworkers(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("sam").patch(
        f"/cases/{world.sams_case.pk}",
        {"initials": "jk", "age_band": "18_21", "keyworker_ids": [world.sam.pk, world.jo.pk]},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["initials"], body["age_band"]) == ("JK", "18_21")
    assert body["keyworker_ids"] == sorted([world.sam.pk, world.jo.pk])
    case = Case.objects.get(pk=world.sams_case.pk)
    assert (case.initials, case.age_band) == ("JK", "18_21")
    entry = audit_entries("case.updated")[-1]
    assert entry.data == {"age_band": "18_21", "keyworkers": sorted([world.sam.pk, world.jo.pk])}


@pytest.mark.parametrize(
    ("patch", "status"),
    [
        ({"initials": "Jamie", "age_band": "18_21"}, 400),
        ({"age_band": "18_21", "keyworker_ids": [987654321]}, 400),
        ({"initials": "JK", "age_band": "adult"}, 422),
    ],
    ids=["a name as initials", "unknown keyworker", "unknown age band"],
)
def test_a_bad_correction_changes_nothing(
    world: World, api: Callable[[str], Api], patch: dict[str, Any], status: int
) -> None:
    response = api("sam").patch(f"/cases/{world.sams_case.pk}", patch)

    assert response.status_code == status
    case = Case.objects.get(pk=world.sams_case.pk)
    assert (case.initials, case.age_band) == ("JT", "15_17")
    assert list(case.keyworkers.all()) == [world.sam]
    assert audit_entries("case.updated") == []


# --- risk ---------------------------------------------------------------------------------


def test_a_keyworker_changes_the_risk_level_saying_why(
    world: World, api: Callable[[str], Api]
) -> None:
    jo = api("jo")

    response = jo.post(
        f"/cases/{world.sams_case.pk}/risk",
        {"level": "critical", "reason": "Missing since Friday."},
    )

    assert response.status_code == 201
    change = response.json()
    assert (change["from_level"], change["to_level"], change["changed_by_id"]) == (
        "high",
        "critical",
        world.jo.pk,
    )
    assert change["reason"] == "Missing since Friday."
    assert jo.get(f"/cases/{world.sams_case.pk}").json()["risk_level"] == "critical"
    assert _risk(world) == "critical"
    entry = audit_entries("case.risk_changed")[-1]
    assert (entry.actor_id, entry.target_id, entry.data) == (
        world.jo.pk,
        str(world.sams_case.pk),
        {"from": "high", "to": "critical"},
    )


def test_the_reason_for_a_risk_change_is_encrypted_at_rest(
    world: World, api: Callable[[str], Api]
) -> None:
    reason = "Seen with an older group near the station."

    api("jo").post(f"/cases/{world.sams_case.pk}/risk", {"level": "critical", "reason": reason})

    assert RiskChange.objects.get(case=world.sams_case, to_level="critical").reason == reason
    assert database_contains(reason) == []


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        (
            {"level": "low", "reason": "Born 12/03/2009, settled now"},
            400,
            "This looks like a full date (such as a date of birth). " + PSEUDONYMISED,
        ),
        ({"level": "high", "reason": "No change really."}, 400, "The risk level is already high."),
        ({"level": "low", "reason": "   "}, 400, "Say briefly why the risk level changed."),
    ],
    ids=["date of birth in reason", "same level", "blank reason"],
)
def test_a_refused_risk_change_leaves_the_level_and_history_alone(
    world: World, api: Callable[[str], Api], body: dict[str, str], status: int, detail: str
) -> None:
    response = api("sam").post(f"/cases/{world.sams_case.pk}/risk", body)

    assert response.status_code == status
    assert response.json()["detail"] == detail
    assert _risk(world) == "high"
    assert RiskChange.objects.filter(case=world.sams_case).count() == 1
    assert audit_entries("case.risk_changed") == []


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (
            {"level": "extreme", "reason": "Worse."},
            "level",
            "'low', 'medium', 'high' or 'critical'",
        ),
        ({"level": "low"}, "reason", "Field required"),
        ({"level": "low", "reason": ""}, "reason", "at least 1 character"),
        ({"level": "low", "reason": "x" * 501}, "reason", "at most 500 characters"),
    ],
    ids=["unknown level", "no reason", "empty reason", "long reason"],
)
def test_an_unreadable_risk_change_gets_422_saying_what_to_fix(
    world: World, api: Callable[[str], Api], body: dict[str, str], field: str, says: str
) -> None:
    response = api("sam").post(f"/cases/{world.sams_case.pk}/risk", body)

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "payload", field]
    assert says in error["msg"]
    assert _risk(world) == "high"
