"""Invitation links: made by a lead, listed without their secret, revoked at once."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from ropeteam.core.errors import NotFound
from ropeteam.people import actions as people
from ropeteam.people.models import Invitation
from ropeteam.people.tokens import hash_secret
from tests.api.conftest import Api, audit_entries, database_contains
from tests.conftest import World


def test_a_lead_makes_an_invitation_link_shown_once(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/invitations",
        {"role": "practitioner", "grade": "newly_qualified", "note": "New starter, March"},
    )

    assert response.status_code == 201
    body = response.json()
    assert "/join/" in body["url"]
    assert body["url"].startswith("http://testserver/")
    assert (body["role"], body["grade"], body["note"]) == (
        "practitioner",
        "newly_qualified",
        "New starter, March",
    )
    created_at = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["expires_at"]) - created_at == timedelta(hours=72)
    raw = body["url"].rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.token_hash == hash_secret(raw)
    assert database_contains(raw) == []
    assert audit_entries("invitation.created")[-1].target_id == str(invitation.pk)


def test_an_org_admin_can_make_invitations(world: World, api: Callable[[str], Api]) -> None:
    response = api("admin").post(
        f"/teams/{world.riverside.pk}/invitations", {"role": "lead", "grade": "team_lead"}
    )

    assert response.status_code == 201
    assert Invitation.objects.filter(team=world.riverside, role="lead").exists()


def test_the_list_shows_pending_invitations_without_their_secret(
    world: World, api: Callable[[str], Api]
) -> None:
    invitation, raw = people.invite_member(
        actor=world.priya,
        team=world.northside,
        role="administrator",
        grade="administrator",
        note="Rota help",
    )

    response = api("priya").get(f"/teams/{world.northside.pk}/invitations")

    assert response.status_code == 200
    listed = response.json()
    assert [i["id"] for i in listed] == [invitation.pk]
    assert set(listed[0]) == {"id", "role", "grade", "note", "created_at", "expires_at"}
    assert listed[0]["note"] == "Rota help"
    assert raw not in response.content.decode()


def test_used_and_revoked_invitations_leave_the_list(
    world: World, api: Callable[[str], Api]
) -> None:
    _used, raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    people.accept_invitation(
        raw=raw, username="robin", display_name="Robin", password="x9!long-enough-pass"
    )
    revoked, _raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    people.revoke_invitation(actor=world.priya, invitation=revoked)

    assert api("priya").get(f"/teams/{world.northside.pk}/invitations").json() == []


def test_revoking_an_invitation_makes_the_link_stop_working(
    world: World, api: Callable[[str], Api]
) -> None:
    invitation, raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    priya = api("priya")

    response = priya.delete(f"/teams/{world.northside.pk}/invitations/{invitation.pk}")

    assert response.status_code == 204
    assert priya.get(f"/teams/{world.northside.pk}/invitations").json() == []
    with pytest.raises(NotFound):
        people.find_invitation(raw)
    entry = audit_entries("invitation.revoked")[-1]
    assert (entry.actor_id, entry.target_id) == (world.priya.pk, str(invitation.pk))


def test_revoking_an_invitation_twice_gets_404_and_keeps_the_first_time(
    world: World, api: Callable[[str], Api], invitation: Invitation
) -> None:
    priya = api("priya")
    priya.delete(f"/teams/{world.northside.pk}/invitations/{invitation.pk}")
    revoked_at = Invitation.objects.get(pk=invitation.pk).revoked_at

    response = priya.delete(f"/teams/{world.northside.pk}/invitations/{invitation.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such invitation."}
    assert Invitation.objects.get(pk=invitation.pk).revoked_at == revoked_at
    assert len(audit_entries("invitation.revoked")) == 1


def test_an_accepted_invitation_cannot_be_revoked(world: World, api: Callable[[str], Api]) -> None:
    invitation, raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    people.accept_invitation(
        raw=raw, username="robin", display_name="Robin", password="x9!long-enough-pass"
    )

    response = api("priya").delete(f"/teams/{world.northside.pk}/invitations/{invitation.pk}")

    assert response.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner", "grade": "practitioner"}, "role"),
        ({"role": "practitioner", "grade": "intern"}, "grade"),
        ({"role": "practitioner", "grade": "practitioner", "note": "x" * 121}, "note"),
        ({"grade": "practitioner"}, "role"),
    ],
    ids=["unknown role", "unknown grade", "note too long", "no role"],
)
def test_a_bad_invitation_is_refused_and_none_is_made(
    world: World, api: Callable[[str], Api], body: dict[str, str], field: str
) -> None:
    response = api("priya").post(f"/teams/{world.northside.pk}/invitations", body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", field]
    assert not Invitation.objects.exists()
