"""Team members, their roles, and who holds their rope."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import Membership, Team
from tests.api.conftest import Api, audit_entries
from tests.conftest import World


def _current(world: World) -> dict[str, str]:
    return {c.user.username: c.role for c in queries.list_team(world.northside)}


def test_members_lists_everyone_in_the_team_with_their_availability(
    world: World, api: Callable[[str], Api]
) -> None:
    people.set_availability(actor=world.jo, status="available")

    response = api("sam").get(f"/teams/{world.northside.pk}/members")

    assert response.status_code == 200
    members = response.json()
    assert [m["username"] for m in members] == ["alex", "dee", "jo", "morgan", "priya", "sam"]
    jo = members[2]
    assert jo == {
        "id": world.jo.pk,
        "username": "jo",
        "name": "Jo",
        "phone": "",
        "role": "practitioner",
        "grade": "practitioner",
        "profession": "",
        "availability": {"status": "available", "until": None},
    }


def test_a_lead_adds_an_account_of_the_organisation_to_the_team(
    world: World, api: Callable[[str], Api]
) -> None:
    priya = api("priya")

    response = priya.post(
        f"/teams/{world.northside.pk}/members",
        {
            "username": "lee",
            "role": "practitioner",
            "grade": "senior_practitioner",
            "profession": "Nurse",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["id"], body["role"], body["grade"], body["profession"]) == (
        world.lee.pk,
        "practitioner",
        "senior_practitioner",
        "Nurse",
    )
    assert "lee" in [
        m["username"] for m in priya.get(f"/teams/{world.northside.pk}/members").json()
    ]
    entry = audit_entries("member.added")[-1]
    assert (entry.actor_id, entry.target_id, entry.team_id) == (
        world.priya.pk,
        str(world.lee.pk),
        world.northside.pk,
    )


def test_an_org_admin_can_add_members_too(world: World, api: Callable[[str], Api]) -> None:
    response = api("admin").post(
        f"/teams/{world.riverside.pk}/members",
        {"username": "jo", "role": "practitioner", "grade": "practitioner"},
    )

    assert response.status_code == 201
    assert "jo" in _usernames(world.riverside)


def test_adding_someone_already_in_the_team_is_a_conflict(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/members",
        {"username": "sam", "role": "lead", "grade": "manager"},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": "Sam is already in this team."}
    assert _current(world)["sam"] == "practitioner"


def test_adding_an_unknown_username_points_to_invitations(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/members",
        {"username": "nobody", "role": "practitioner", "grade": "practitioner"},
    )

    assert response.status_code == 404
    assert response.json() == {
        "detail": "No account “nobody” in this organisation. Send an invitation link instead.",
        "field": "username",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [({"role": "boss"}, "role"), ({"grade": "ceo"}, "grade"), ({"username": ""}, "username")],
)
def test_adding_a_member_with_an_unknown_role_or_grade_is_refused(
    world: World, api: Callable[[str], Api], change: dict[str, str], field: str
) -> None:
    body = {"username": "lee", "role": "practitioner", "grade": "practitioner", **change}

    response = api("priya").post(f"/teams/{world.northside.pk}/members", body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", field]
    assert "lee" not in _usernames(world.northside)


def test_a_lead_changes_a_members_role_grade_and_profession(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").patch(
        f"/teams/{world.northside.pk}/members/{world.morgan.pk}",
        {"role": "lead", "grade": "manager", "profession": " Psychologist "},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["grade"], body["profession"]) == ("lead", "manager", "Psychologist")
    membership = Membership.objects.get(user=world.morgan, team=world.northside)
    assert (membership.role, membership.grade) == ("lead", "manager")
    assert audit_entries("member.changed")[-1].data == {
        "role": "lead",
        "grade": "manager",
        "profession": "Psychologist",
    }


def test_the_last_lead_cannot_become_a_practitioner(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").patch(
        f"/teams/{world.northside.pk}/members/{world.priya.pk}", {"role": "practitioner"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A team needs a lead: make someone else lead before changing this role.",
        "field": "role",
    }
    assert _current(world)["priya"] == "lead"


def test_a_lead_can_step_down_once_someone_else_leads(
    world: World, api: Callable[[str], Api]
) -> None:
    priya = api("priya")
    priya.patch(f"/teams/{world.northside.pk}/members/{world.morgan.pk}", {"role": "lead"})

    response = priya.patch(
        f"/teams/{world.northside.pk}/members/{world.priya.pk}", {"role": "practitioner"}
    )

    assert response.status_code == 200
    assert _current(world)["priya"] == "practitioner"


def test_patching_a_member_with_an_unknown_role_is_refused(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").patch(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}", {"role": "overlord"}
    )

    assert response.status_code == 422
    assert "'lead', 'practitioner' or 'administrator'" in response.json()["errors"][0]["msg"]
    assert _current(world)["sam"] == "practitioner"


def test_removing_a_member_drops_the_rope_they_held(
    world: World, api: Callable[[str], Api]
) -> None:
    priya = api("priya")

    response = priya.delete(f"/teams/{world.northside.pk}/members/{world.jo.pk}")

    assert response.status_code == 204
    assert "jo" not in _current(world)
    rope = priya.get(f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope").json()
    assert [h["username"] for h in rope["holders"]] == ["morgan"]
    entry = audit_entries("member.removed")[-1]
    assert entry.target_id == str(world.jo.pk)
    assert entry.data == {"rope_dropped_for": [world.sam.pk]}


def test_removing_a_member_twice_gets_404(world: World, api: Callable[[str], Api]) -> None:
    priya = api("priya")
    priya.delete(f"/teams/{world.northside.pk}/members/{world.jo.pk}")

    response = priya.delete(f"/teams/{world.northside.pk}/members/{world.jo.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such member in this team."}


def test_the_last_lead_cannot_be_removed(world: World, api: Callable[[str], Api]) -> None:
    response = api("admin").delete(f"/teams/{world.northside.pk}/members/{world.priya.pk}")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "A team needs a lead: make someone else lead before removing them."
    }
    assert _current(world)["priya"] == "lead"


def test_the_rope_shows_holders_in_order_the_duty_lead_and_who_to_call_first(
    world: World, api: Callable[[str], Api]
) -> None:
    people.set_availability(actor=world.jo, status="busy")
    people.set_availability(actor=world.morgan, status="available")
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.priya,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
    )

    response = api("alex").get(f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope")

    assert response.status_code == 200
    rope = response.json()
    assert rope["worker_id"] == world.sam.pk
    assert [h["username"] for h in rope["holders"]] == ["jo", "morgan"]
    assert rope["duty_lead"]["username"] == "priya"
    assert rope["first_available_id"] == world.morgan.pk


def test_a_lead_sets_rope_holders_in_order(world: World, api: Callable[[str], Api]) -> None:
    response = api("priya").put(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope-holders",
        {"holder_ids": [world.morgan.pk, world.priya.pk, world.jo.pk]},
    )

    assert response.status_code == 200
    assert [h["id"] for h in response.json()["holders"]] == [
        world.morgan.pk,
        world.priya.pk,
        world.jo.pk,
    ]
    assert queries.rope_holder_ids(world.northside, world.sam) == [
        world.morgan.pk,
        world.priya.pk,
        world.jo.pk,
    ]
    entry = audit_entries("rope.holders_set")[-1]
    assert (entry.actor_id, entry.target_id) == (world.priya.pk, str(world.sam.pk))
    assert entry.data == {
        "before": [world.jo.pk, world.morgan.pk],
        "after": [world.morgan.pk, world.priya.pk, world.jo.pk],
    }


def test_an_empty_list_clears_the_rope_holders(world: World, api: Callable[[str], Api]) -> None:
    response = api("priya").put(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope-holders", {"holder_ids": []}
    )

    assert response.status_code == 200
    assert response.json()["holders"] == []
    assert queries.rope_holder_ids(world.northside, world.sam) == []


@pytest.mark.parametrize(
    ("holders", "message"),
    [
        (["sam"], "Nobody can hold their own rope."),
        (["jo", "morgan", "jo"], "Each colleague can hold the rope only once."),
        (["kim"], "Rope holders must be current members of the team."),
        ([987654321], "Rope holders must be current members of the team."),
        (["jo", "morgan", "priya", "alex", "dee", "lee"], "At most 5 rope holders."),
    ],
    ids=["themself", "twice", "outsider", "no such account", "six"],
)
def test_bad_rope_holder_lists_are_refused_and_the_rope_stays(
    world: World, api: Callable[[str], Api], holders: list[str | int], message: str
) -> None:
    # lee joins Northside so that six holders are all current members.
    people.add_member(
        actor=None, team=world.northside, user=world.lee, role="practitioner", grade="practitioner"
    )
    ids = [getattr(world, h).pk if isinstance(h, str) else h for h in holders]

    response = api("priya").put(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope-holders", {"holder_ids": ids}
    )

    assert response.status_code == 400
    assert response.json()["detail"] == message
    assert queries.rope_holder_ids(world.northside, world.sam) == [world.jo.pk, world.morgan.pk]


def test_a_removed_member_cannot_hold_a_rope(world: World, api: Callable[[str], Api]) -> None:
    people.remove_member(
        actor=world.priya, membership=Membership.objects.get(user=world.alex, team=world.northside)
    )

    response = api("priya").put(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope-holders",
        {"holder_ids": [world.alex.pk]},
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Rope holders must be current members of the team."


def test_a_rope_holder_list_must_be_a_list_of_ids(world: World, api: Callable[[str], Api]) -> None:
    response = api("priya").put(
        f"/teams/{world.northside.pk}/members/{world.sam.pk}/rope-holders",
        {"holder_ids": ["jo"]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", "holder_ids", 0]


def _usernames(team: Team) -> set[str]:
    return {c.user.username for c in queries.list_team(team)}
