"""The support admin site shows an organisation admin their own organisation only."""

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from ropeteam.audit.models import AuditEntry
from ropeteam.concerns import actions as concerns
from ropeteam.concerns.actions import Statement
from ropeteam.core.errors import NotFound
from ropeteam.people import actions
from ropeteam.people.models import Membership, Team
from tests.conftest import PASSWORD, World


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


@pytest.mark.parametrize("who", ["admin", "superuser"])
def test_the_admin_audit_list_does_not_say_who_raised_a_concern_with_whom(
    world: World, who: str
) -> None:
    concern = concerns.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=Statement(noticed="The Friday plan has no second worker", asking="Talk?"),
    )
    entries = AuditEntry.objects.filter(target_type="concerns.concern", target_id=str(concern.pk))
    assert entries.exists()
    viewer = world.admin
    if who == "superuser":
        viewer = actions.create_account(
            actor=None, username="root", display_name="Root", password=None
        )
        viewer.is_staff = viewer.is_superuser = True
        viewer.save()
    client = world.client_for(viewer)
    listed = client.get("/admin/audit/auditentry/?q=concerns")
    assert listed.status_code == 200
    assert b"concerns.raised" not in listed.content
    for entry in entries:
        # The admin's "no such object" answer: a redirect back to the list.
        assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 302


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


# --- an organisation admin changes things only through the actions -------------------------


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_a_role_changed_in_the_admin_is_audited(world: World) -> None:
    jo = Membership.objects.get(user=world.jo, team=world.northside)
    response = world.client_for(world.admin).post(
        f"/admin/people/membership/{jo.pk}/change/",
        {"role": "lead", "grade": "senior_practitioner", "profession": "Youth worker"},
    )
    assert response.status_code == 302
    jo.refresh_from_db()
    assert (jo.role, jo.grade, jo.profession) == ("lead", "senior_practitioner", "Youth worker")
    [entry] = _entries("member.changed")
    assert (entry.actor_id, entry.target_id, entry.team_id) == (
        world.admin.pk,
        str(world.jo.pk),
        world.northside.pk,
    )
    assert entry.data == {
        "role": "lead",
        "grade": "senior_practitioner",
        "profession": "Youth worker",
    }


def test_the_admin_cannot_take_a_teams_last_lead_away(world: World) -> None:
    priya = Membership.objects.get(user=world.priya, team=world.northside)
    client = world.client_for(world.admin)
    response = client.post(
        f"/admin/people/membership/{priya.pk}/change/",
        {"role": "practitioner", "grade": "team_lead", "profession": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "A team needs a lead" in response.content.decode()
    assert "was changed successfully" not in response.content.decode()
    priya.refresh_from_db()
    assert priya.role == "lead"
    assert _entries("member.changed") == []


def test_the_admin_cannot_change_a_member_into_another_team_or_person(world: World) -> None:
    sam = Membership.objects.get(user=world.sam, team=world.northside)
    world.client_for(world.admin).post(
        f"/admin/people/membership/{sam.pk}/change/",
        {
            "team": world.riverside.pk,
            "user": world.kim.pk,
            "role": "practitioner",
            "grade": "practitioner",
            "profession": "",
        },
    )
    sam.refresh_from_db()
    assert (sam.team_id, sam.user_id) == (world.northside.pk, world.sam.pk)


def test_deactivating_in_the_admin_is_the_audited_action(world: World) -> None:
    response = world.client_for(world.admin).post(
        f"/admin/people/user/{world.sam.pk}/change/",
        {"username": "hijacked", "display_name": "Someone else", "email": "x@example.org"},
    )
    assert response.status_code == 302
    world.sam.refresh_from_db()
    # Only the switch changed (unticked: off); the rest of the page is read-only.
    assert (world.sam.is_active, world.sam.username, world.sam.display_name) == (
        False,
        "sam",
        "Sam",
    )
    [entry] = _entries("account.deactivated")
    assert (entry.actor_id, entry.target_id) == (world.admin.pk, str(world.sam.pk))


def test_the_admin_sets_no_one_elses_password_but_makes_a_reset_link(world: World) -> None:
    client = world.client_for(world.admin)
    page = client.get(f"/admin/people/user/{world.sam.pk}/change/").content.decode()
    assert 'name="password' not in page
    assert "../password/" not in page and f"/user/{world.sam.pk}/password/" not in page
    assert client.get(f"/admin/people/user/{world.sam.pk}/password/").status_code == 403
    response = client.post(
        f"/admin/people/user/{world.sam.pk}/password/",
        {"password1": "new pass 12345 xyz", "password2": "new pass 12345 xyz"},
    )
    assert response.status_code == 403
    world.sam.refresh_from_db()
    assert world.sam.check_password(PASSWORD)

    response = client.post(
        "/admin/people/user/",
        {"action": "make_reset_link", "_selected_action": [world.sam.pk]},
        follow=True,
    )
    link = re.search(r"https?://\S+/reset/[\w-]+/[\w-]+/", response.content.decode())
    assert link is not None
    [entry] = _entries("account.reset_link_made")
    assert (entry.actor_id, entry.target_id) == (world.admin.pk, str(world.sam.pk))
    # The link is the person's own way in: it lets them set a password, once.
    path = urlsplit(link.group(0)).path
    form = Client().get(path, follow=True)
    assert form.status_code == 200
    assert b"new_password1" in form.content


def test_a_reset_link_is_refused_for_someone_outside_the_organisation(world: World) -> None:
    _other_organisation()
    stranger = actions.create_account(
        actor=None, username="stranger", display_name="Stranger", password=None
    )
    actions.add_member(
        actor=None,
        team=Team.objects.get(name="Hidden Team"),
        user=stranger,
        role="practitioner",
        grade="practitioner",
    )
    with pytest.raises(NotFound):
        actions.password_reset_link(actor=world.admin, user=stranger, base_url="http://x")
    assert _entries("account.reset_link_made") == []


def test_the_out_of_hours_contact_changes_through_the_audited_action(world: World) -> None:
    client = world.client_for(world.admin)
    url = f"/admin/people/organisation/{world.organisation.pk}/change/"
    response = client.post(
        url,
        {
            "name": "Renamed Trust",
            "out_of_hours_contact": "On-call manager 0161 496 0000",
            "out_of_hours_email": "oncall@example.org",
            "out_of_hours_person": world.priya.pk,
        },
    )
    assert response.status_code == 302
    world.organisation.refresh_from_db()
    assert world.organisation.name == "Test Trust"  # read-only
    assert world.organisation.out_of_hours_email == "oncall@example.org"
    assert world.organisation.out_of_hours_person_id == world.priya.pk
    [entry] = _entries("organisation.out_of_hours_changed")
    assert entry.data == {"person": world.priya.pk, "email_set": True}
    assert "0161" not in str(entry.data)

    world.priya.is_active = False
    world.priya.save(update_fields=["is_active"])
    response = client.post(
        url,
        {
            "out_of_hours_contact": "x",
            "out_of_hours_email": "",
            "out_of_hours_person": world.priya.pk,
        },
        follow=True,
    )
    assert "must be an active member" in response.content.decode()
    world.organisation.refresh_from_db()
    assert world.organisation.out_of_hours_contact == "On-call manager 0161 496 0000"


def test_a_team_cannot_be_renamed_in_the_admin_by_an_organisation_admin(world: World) -> None:
    world.client_for(world.admin).post(
        f"/admin/people/team/{world.northside.pk}/change/",
        {"name": "Renamed", "organisation": world.organisation.pk},
    )
    world.northside.refresh_from_db()
    assert world.northside.name == "Northside"


def test_the_second_factor_policy_changes_through_the_audited_action(world: World) -> None:
    client = world.client_for(world.admin)
    url = f"/admin/people/organisation/{world.organisation.pk}/change/"
    assert "Days to set up a second factor" in client.get(url).content.decode()
    form = {"out_of_hours_contact": "", "out_of_hours_email": "", "out_of_hours_person": ""}
    response = client.post(
        url, {**form, "second_factor_required": "on", "second_factor_grace_days": "7"}
    )
    assert response.status_code == 302
    world.organisation.refresh_from_db()
    assert world.organisation.second_factor_required_since is not None
    assert world.organisation.second_factor_grace_days == 7
    [entry] = _entries("organisation.second_factor_policy_changed")
    assert entry.data == {"required": True, "grace_days": 7}
    assert entry.actor_id == world.admin.pk
    # Saved again unchanged: nothing more is written.
    client.post(url, {**form, "second_factor_required": "on", "second_factor_grace_days": "7"})
    assert len(_entries("organisation.second_factor_policy_changed")) == 1
