"""/me and my availability."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import User
from tests.api.conftest import Api, iso, later
from tests.conftest import World


def test_me_says_who_i_am_my_teams_and_my_availability(
    world: World, api: Callable[[str], Api]
) -> None:
    people.set_availability(actor=world.sam, status="on_visit", until=later(hours=2))

    response = api("sam").get("/me")

    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["username"], me["name"]) == (world.sam.pk, "sam", "Sam")
    assert me["availability"]["status"] == "on_visit"
    assert me["availability"]["until"] is not None
    assert me["teams"] == [
        {
            "id": world.northside.pk,
            "name": "Northside",
            "organisation_id": world.organisation.pk,
            "organisation": "Test Trust",
            "role": "practitioner",
            "grade": "practitioner",
        }
    ]
    assert me["organisation_admin_of"] == []


def test_me_shows_an_org_admin_the_teams_they_run_without_a_team_role(
    world: World, api: Callable[[str], Api]
) -> None:
    me = api("admin").get("/me").json()

    assert me["organisation_admin_of"] == [world.organisation.pk]
    assert [(t["name"], t["role"], t["grade"]) for t in me["teams"]] == [
        ("Northside", None, None),
        ("Riverside", None, None),
    ]


def test_setting_my_availability_shows_to_my_team(world: World, api: Callable[[str], Api]) -> None:
    until = later(hours=3)

    response = api("jo").put("/me/availability", {"status": "busy", "until": iso(until)})

    assert response.status_code == 200
    assert response.json()["status"] == "busy"
    assert abs(datetime.fromisoformat(response.json()["until"]) - until) < timedelta(seconds=1)
    jo = next(
        m
        for m in api("sam").get(f"/teams/{world.northside.pk}/members").json()
        if m["id"] == world.jo.pk
    )
    assert jo["availability"]["status"] == "busy"


def test_availability_without_until_lasts_until_changed(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("jo").put("/me/availability", {"status": "available"})

    assert response.status_code == 200
    assert response.json() == {"status": "available", "until": None}
    assert queries.availability_of(User.objects.get(pk=world.jo.pk)).status == "available"


@pytest.mark.parametrize(
    ("until", "message"),
    [
        (timedelta(minutes=-5), "“Until” must be in the future."),
        (timedelta(days=40), "“Until” can be at most a month ahead."),
    ],
    ids=["in the past", "too far ahead"],
)
def test_availability_until_must_be_soon_and_in_the_future(
    world: World, api: Callable[[str], Api], until: timedelta, message: str
) -> None:
    response = api("jo").put(
        "/me/availability", {"status": "busy", "until": iso(timezone.now() + until)}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": message, "field": "until"}
    assert User.objects.get(pk=world.jo.pk).availability_status == "off_shift"


def test_an_unknown_availability_is_refused_with_the_choices(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("jo").put("/me/availability", {"status": "asleep"})

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "payload", "status"]
    assert "'available', 'busy', 'on_visit' or 'off_shift'" in error["msg"]
    # The same as one readable sentence, for clients that show `detail` as it is.
    assert response.json()["detail"].startswith("status: Input should be 'available'")
    assert response.json()["field"] == "status"
    assert User.objects.get(pk=world.jo.pk).availability_status == "off_shift"


def test_writing_back_my_availability_with_a_new_status_drops_the_old_until(
    world: World, api: Callable[[str], Api]
) -> None:
    client = api("jo")
    client.put("/me/availability", {"status": "busy", "until": iso(later(hours=1))})
    availability = client.get("/me").json()["availability"]

    response = client.put("/me/availability", {**availability, "status": "available"})

    assert response.status_code == 200
    assert response.json() == {"status": "available", "until": None}
