"""Being refused is audited: someone probing for another team's records shows in the trail,
once per person and path in ten minutes, and their organisation's auditor sees it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit import log, trail
from ropeteam.audit.log import READ_AGAIN_AFTER
from ropeteam.audit.models import AuditEntry
from tests.conftest import World


def _refusals() -> list[dict[str, object]]:
    return [e.data for e in AuditEntry.objects.filter(action="access.refused").order_by("id")]


def test_an_api_answer_of_not_found_for_another_teams_case_is_audited(world: World) -> None:
    kim = world.client_for(world.kim)
    path = f"/api/v1/cases/{world.sams_case.pk}"
    assert kim.get(path).status_code == 404
    assert kim.get(path).status_code == 404  # the same again: the same entry
    entry = AuditEntry.objects.get(action="access.refused")
    assert (entry.actor, entry.data) == (world.kim, {"status": 404, "method": "GET", "path": path})


def test_a_page_refused_for_a_role_is_audited_without_its_query(world: World) -> None:
    response = world.client_for(world.dee).get("/concerns/activity/?secret=1")
    assert response.status_code == 403
    assert _refusals() == [{"status": 403, "method": "GET", "path": "/concerns/activity/"}]


def test_what_is_allowed_and_what_is_anonymous_leave_no_refusal(
    world: World, client: Client
) -> None:
    assert world.client_for(world.sam).get(f"/api/v1/cases/{world.sams_case.pk}").status_code == 200
    assert client.get(f"/api/v1/cases/{world.sams_case.pk}").status_code == 401
    assert _refusals() == []


def test_the_auditor_sees_refusals_of_the_organisations_people(world: World) -> None:
    world.client_for(world.kim).get(f"/api/v1/cases/{world.sams_case.pk}")
    trail.grant(actor=world.admin, user_id=world.dee.pk, organisation_id=world.organisation.pk)
    page = world.client_for(world.dee).get("/audit/", {"action": "access.refused"})
    assert page.status_code == 200
    assert "access.refused" in page.content.decode()


def test_the_same_refusal_is_audited_again_after_ten_minutes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    kim = world.client_for(world.kim)
    path = f"/api/v1/cases/{world.sams_case.pk}"
    other = f"/api/v1/cases/{world.sams_case.pk + 1000}"
    for _ in range(3):
        kim.get(path)
    kim.get(other)  # another path is another entry
    assert [r["path"] for r in _refusals()] == [path, other]
    later = timezone.now() + READ_AGAIN_AFTER + timedelta(seconds=1)
    monkeypatch.setattr(log.timezone, "now", lambda: later)
    kim.get(path)
    assert [r["path"] for r in _refusals()] == [path, other, path]


def test_each_person_refused_has_their_own_entry(world: World) -> None:
    path = reverse("web:member_sign_out", args=[world.sam.pk])
    assert world.client_for(world.kim).post(path).status_code == 404
    assert world.client_for(world.jo).post(path).status_code == 403
    entries = AuditEntry.objects.filter(action="access.refused").order_by("id")
    assert [(e.actor, e.data["status"]) for e in entries] == [(world.kim, 404), (world.jo, 403)]


def test_an_auditor_finds_a_persons_refusals_and_exports_them(world: World) -> None:
    world.client_for(world.lee).get(f"/cases/{world.sams_case.pk}/")
    trail.grant(actor=world.admin, user_id=world.dee.pk, organisation_id=world.organisation.pk)
    dee = world.client_for(world.dee)
    search = {"person": "lee", "action": "access.refused"}
    page = dee.get("/audit/", search).content.decode()
    assert "access.refused" in page
    exported = dee.get("/audit/", {**search, "format": "csv"}).content.decode()
    assert ",lee,access.refused," in exported
