"""The audit trail in the app: only an organisation's auditors read it, only their
organisation's entries, never a concern's, and every search is itself in the trail."""

import csv
import io
from typing import Any

import pytest
from django.test import Client

from ropeteam.audit import trail
from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions as cases
from ropeteam.concerns import actions as concerns
from ropeteam.concerns.actions import Statement
from ropeteam.people import actions as people
from ropeteam.people.models import User
from tests.conftest import World

URL = "/audit/"


@pytest.fixture
def dpo(world: World) -> User:
    """The organisation's data-protection officer: an auditor, in no team."""
    user = people.create_account(
        actor=None, username="dpo", display_name="Data Protection", password=None
    )
    trail.grant(actor=world.admin, user_id=user.pk, organisation_id=world.organisation.pk)
    return user


def _search(client: Client, **query: str) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["sam", "priya", "dee", "admin", "kim"])
def test_nobody_but_an_auditor_finds_the_page(world: World, dpo: User, who: str) -> None:
    # Not keyworkers, not the lead, not the team administrator, not even the organisation's
    # admin: the trail is the auditor's. For them it is not there at all.
    response = world.client_for(getattr(world, who)).get(URL, {"person": "sam"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="audit.searched").exists()


def test_the_auditor_finds_what_a_person_did_and_the_search_is_audited(
    world: World, dpo: User
) -> None:
    world.client_for(world.sam).get(f"/api/v1/cases/{world.sams_case.pk}")
    client = world.client_for(dpo)
    page = _search(client, person="sam", action="case.viewed")
    assert "case.viewed" in page
    assert f"cases.case {world.sams_case.pk}" in page
    searched = AuditEntry.objects.filter(action="audit.searched", actor=dpo).get()
    assert searched.data["search"] == {"person_id": str(world.sam.pk), "action": "case.viewed"}
    assert searched.data["entries"] >= 1
    # The auditors' own searches are in the trail they read.
    assert "audit.searched" in _search(client, action="audit.")


def test_a_case_reference_finds_what_was_done_to_that_case_only(world: World, dpo: User) -> None:
    cases.change_risk(actor=world.priya, case=world.sams_case, level="medium", reason="Settled")
    page = _search(world.client_for(dpo), case=world.sams_case.reference)
    assert "case.risk_changed" in page
    assert "case.opened" in page
    shown = {line.strip() for line in page.splitlines() if "<td>cases.case" in line}
    assert shown == {f"<td>cases.case {world.sams_case.pk}</td>"}


def test_another_organisations_entries_are_never_shown(world: World, dpo: User) -> None:
    other = people.create_organisation(actor=None, name="Elsewhere Trust")
    hidden = people.create_team(actor=None, organisation=other, name="Hidden Team")
    assert AuditEntry.objects.filter(action="team.created", team_id=hidden.pk).exists()
    page = _search(world.client_for(dpo), action="team.created")
    assert f"<td>people.team {world.northside.pk}</td>" in page
    assert f"<td>people.team {hidden.pk}</td>" not in page


def test_a_concern_is_not_in_the_trail_the_auditor_reads(world: World, dpo: User) -> None:
    concerns.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=Statement(noticed="The Friday plan has no second worker", asking="Talk?"),
    )
    assert AuditEntry.objects.filter(action="concerns.raised").exists()
    page = _search(world.client_for(dpo), action="concerns.")
    assert "concerns.raised" not in page
    assert "No entries match." in page


def test_an_unknown_person_or_case_says_so(world: World, dpo: User) -> None:
    client = world.client_for(dpo)
    assert "No such person or case in this organisation." in _search(client, person="nobody")
    # lee is in Riverside, the same organisation: found. Someone of another organisation is
    # not, which is the same answer as nobody at all.
    assert "No such person" not in _search(client, person="lee")
    assert "No such person or case" in _search(client, case="NO-SUCH-REF")


def test_an_end_before_the_start_is_refused_with_a_message(world: World, dpo: User) -> None:
    response = world.client_for(dpo).get(URL, {"since": "2026-12-05", "until": "2026-12-01"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_the_entries_download_as_csv_and_the_export_is_audited(world: World, dpo: User) -> None:
    response = world.client_for(dpo).get(URL, {"person": "sam", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "at", "actor", "action", "target_type", "target_id", "team_id"]
    assert len(rows) > 1
    assert AuditEntry.objects.filter(action="audit.exported", actor=dpo).count() == 1


def test_a_cell_a_spreadsheet_would_run_is_quoted() -> None:
    assert trail._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert trail._cell("case.viewed") == "case.viewed"


def test_taking_the_role_away_closes_the_page(world: World, dpo: User) -> None:
    trail.revoke(actor=world.admin, user_id=dpo.pk, organisation_id=world.organisation.pk)
    assert world.client_for(dpo).get(URL).status_code == 404
    actions = AuditEntry.objects.filter(
        target_id=str(dpo.pk), action__startswith="audit."
    ).values_list("action", flat=True)
    assert list(actions) == ["audit.auditor_granted", "audit.auditor_revoked"]


def test_the_organisation_admin_grants_the_role_in_the_admin_audited(
    world: World, settings: Any
) -> None:
    client = world.client_for(world.admin)
    response = client.post(
        "/admin/audit/auditor/add/",
        {"user": world.dee.pk, "organisation": world.organisation.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    granted = AuditEntry.objects.get(action="audit.auditor_granted", target_id=str(world.dee.pk))
    assert granted.actor == world.admin
    assert world.client_for(world.dee).get(URL).status_code == 200


def test_an_organisation_admin_cannot_make_an_auditor_of_another_organisation(
    world: World,
) -> None:
    other = people.create_organisation(actor=None, name="Elsewhere Trust")
    response = world.client_for(world.admin).post(
        "/admin/audit/auditor/add/", {"user": world.dee.pk, "organisation": other.pk}
    )
    assert response.status_code == 200  # the form again, with the choice refused
    assert not AuditEntry.objects.filter(action="audit.auditor_granted").exists()
