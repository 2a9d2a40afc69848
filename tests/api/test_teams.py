"""Teams, and the organisation view only organisation admins reach."""

from collections.abc import Callable

import pytest

from ropeteam.people import actions as people
from ropeteam.people.models import Team
from tests.api.conftest import Api, audit_entries
from tests.conftest import World


def test_teams_lists_only_the_teams_i_belong_to(world: World, api: Callable[[str], Api]) -> None:
    response = api("sam").get("/teams")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.northside.pk,
            "name": "Northside",
            "organisation_id": world.organisation.pk,
            "organisation": "Test Trust",
        }
    ]


def test_an_org_admin_sees_every_team_of_their_organisation(
    world: World, api: Callable[[str], Api]
) -> None:
    names = [t["name"] for t in api("admin").get("/teams").json()]

    assert names == ["Northside", "Riverside"]


def test_a_member_can_read_their_team(world: World, api: Callable[[str], Api]) -> None:
    response = api("alex").get(f"/teams/{world.northside.pk}")

    assert response.status_code == 200
    assert response.json()["name"] == "Northside"
    assert response.json()["organisation"] == "Test Trust"


def test_an_org_admin_lists_the_teams_of_their_organisation_by_name(
    world: World, api: Callable[[str], Api]
) -> None:
    people.create_team(actor=world.admin, organisation=world.organisation, name="Eastside")
    response = api("admin").get(f"/organisations/{world.organisation.pk}/teams")

    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == ["Eastside", "Northside", "Riverside"]


def test_an_org_admin_adds_a_team(world: World, api: Callable[[str], Api]) -> None:
    admin = api("admin")

    response = admin.post(f"/organisations/{world.organisation.pk}/teams", {"name": " Eastside "})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Eastside"
    assert body["organisation_id"] == world.organisation.pk
    team = Team.objects.get(pk=body["id"])
    assert team.organisation == world.organisation
    assert "Eastside" in [t["name"] for t in admin.get("/teams").json()]
    assert audit_entries("team.created")[-1].target_id == str(team.pk)


def test_a_second_team_with_the_same_name_is_a_conflict(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("admin").post(
        f"/organisations/{world.organisation.pk}/teams", {"name": "Northside"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This organisation already has a team called “Northside”.",
        "field": "name",
    }
    assert Team.objects.filter(name="Northside").count() == 1


@pytest.mark.parametrize(
    ("name", "status"), [("   ", 400), ("", 422), ("x" * 121, 422)], ids=["blank", "empty", "long"]
)
def test_a_team_needs_a_sensible_name(
    world: World, api: Callable[[str], Api], name: str, status: int
) -> None:
    before = Team.objects.count()

    response = api("admin").post(f"/organisations/{world.organisation.pk}/teams", {"name": name})

    assert response.status_code == status
    assert response.json()["detail"]
    assert Team.objects.count() == before


@pytest.mark.parametrize("persona", ["priya", "kim", "sam", "dee"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_org_admins_reach_the_organisation_and_others_get_404(
    world: World, api: Callable[[str], Api], persona: str, method: str
) -> None:
    client = api(persona)
    body = {"name": "Shadow team"} if method == "POST" else None

    response = client.call(method, f"/organisations/{world.organisation.pk}/teams", body)
    missing = client.call(method, "/organisations/987654321/teams", body)

    assert response.status_code == 404
    assert response.json() == missing.json() == {"detail": "No such organisation."}
    assert not Team.objects.filter(name="Shadow team").exists()


def test_an_org_admin_of_another_organisation_gets_404(
    world: World, api: Callable[[str], Api]
) -> None:
    elsewhere = people.create_organisation(actor=None, name="Elsewhere Trust")
    people.grant_org_admin(actor=None, organisation=elsewhere, user=world.kim)

    kim = api("kim")
    assert kim.get(f"/organisations/{elsewhere.pk}/teams").status_code == 200
    assert kim.get(f"/organisations/{world.organisation.pk}/teams").status_code == 404


def test_an_org_admin_deactivates_an_account_and_its_token_stops_working(
    world: World, api: Callable[[str], Api]
) -> None:
    sams_phone = api("sam")
    assert sams_phone.get("/me").status_code == 200

    response = api("admin").patch(
        f"/organisations/{world.organisation.pk}/accounts/{world.sam.pk}", {"is_active": False}
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert sams_phone.get("/me").status_code == 401
    assert audit_entries("account.deactivated")


@pytest.mark.parametrize("who", ["priya", "kim", "sam"])
def test_only_org_admins_deactivate_accounts(
    world: World, api: Callable[[str], Api], who: str
) -> None:
    response = api(who).patch(
        f"/organisations/{world.organisation.pk}/accounts/{world.jo.pk}", {"is_active": False}
    )

    assert response.status_code == 404
    world.jo.refresh_from_db()
    assert world.jo.is_active


def test_an_account_outside_the_organisation_cannot_be_deactivated(
    world: World, api: Callable[[str], Api]
) -> None:
    elsewhere = people.create_organisation(actor=None, name="Elsewhere Trust")
    team = people.create_team(actor=None, organisation=elsewhere, name="Far Team")
    stranger = people.create_account(
        actor=None, username="stranger", display_name="S", password=None
    )
    people.add_member(actor=None, team=team, user=stranger, role="lead", grade="team_lead")

    response = api("admin").patch(
        f"/organisations/{world.organisation.pk}/accounts/{stranger.pk}", {"is_active": False}
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such account in this organisation."}
    stranger.refresh_from_db()
    assert stranger.is_active


def test_a_restored_account_needs_a_new_token_the_old_one_stays_deleted(
    world: World, api: Callable[[str], Api]
) -> None:
    sams_phone = api("sam")
    url = f"/organisations/{world.organisation.pk}/accounts/{world.sam.pk}"
    api("admin").patch(url, {"is_active": False})

    response = api("admin").patch(url, {"is_active": True})

    assert response.json() == {"id": world.sam.pk, "username": "sam", "is_active": True}
    assert sams_phone.get("/me").status_code == 401
    assert api("sam").get("/me").status_code == 200
    assert [e.action for e in audit_entries("account.activated")] == ["account.activated"]
