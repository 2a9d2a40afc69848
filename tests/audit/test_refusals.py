"""Being refused is audited: someone probing for another team's records shows in the trail,
once per person and path in ten minutes, and their organisation's auditor sees it."""

from django.test import Client

from ropeteam.audit import trail
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
