"""The support admin site shows an organisation admin their own organisation only."""

from django.test import Client

from ropeteam.people import actions
from tests.conftest import World


def _other_organisation() -> None:
    other = actions.create_organisation(actor=None, name="Elsewhere Trust")
    actions.create_team(actor=None, organisation=other, name="Hidden Team")


def test_an_org_admin_sees_their_organisations_teams_only(world: World) -> None:
    _other_organisation()
    response = world.client_for(world.admin).get("/admin/people/team/")
    assert response.status_code == 200
    assert b"Northside" in response.content
    assert b"Hidden Team" not in response.content


def test_an_org_admin_cannot_open_another_organisations_team(world: World) -> None:
    _other_organisation()
    from ropeteam.people.models import Team

    hidden = Team.objects.get(name="Hidden Team")
    response = world.client_for(world.admin).get(f"/admin/people/team/{hidden.pk}/change/")
    assert response.status_code == 302  # the admin's "no such object" redirect to the list


def test_the_audit_log_is_read_only_in_the_admin(world: World) -> None:
    client = world.client_for(world.admin)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403


def test_case_content_is_not_in_the_admin(world: World) -> None:
    response = world.client_for(world.admin).get("/admin/cases/case/")
    assert response.status_code == 404


def test_team_members_are_not_let_into_the_admin(world: World) -> None:
    for person in (world.priya, world.sam, world.kim):
        response = world.client_for(person).get("/admin/people/team/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_pages_carry_a_strict_content_security_policy(client: Client, db: None) -> None:
    response = client.get("/admin/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
