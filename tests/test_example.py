"""How tests are written here: a tutorial in test form, one convention per test.

Read this before adding tests. STYLE.md in shared/ says why; this file shows how.
"""

import pytest
from django.test import Client

from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions as case_actions
from ropeteam.core.errors import Forbidden
from ropeteam.people import actions, queries
from ropeteam.people.flow import Status
from tests.conftest import World


def test_state_is_built_through_actions_like_a_person_would(world: World) -> None:
    # `world` gives every test the same personas (see tests/conftest.py). We change things
    # by calling actions, never by writing models, so tests exercise the real paths.
    actions.set_availability(actor=world.jo, status="busy")
    # ...and we read back through queries, the same way the pages do.
    rope = queries.rope_for(world.northside, world.sam)
    assert rope.holders[0].availability.status == Status.BUSY


def test_outsiders_get_a_404_that_looks_like_nothing_is_there(world: World) -> None:
    # kim leads Riverside. Northside's cases must not even be confirmed to exist: the
    # response for a real case and for a made-up id are the same.
    kim = world.client_for(world.kim)
    real = kim.get(f"/api/v1/cases/{world.sams_case.pk}")
    made_up = kim.get("/api/v1/cases/999999")
    assert real.status_code == made_up.status_code == 404
    assert real.json() == made_up.json()


def test_wrong_role_gets_a_403_and_nothing_changes(world: World) -> None:
    # dee, the team administrator, can see cases but not judge risk.
    response = world.client_for(world.dee).post(
        f"/api/v1/cases/{world.sams_case.pk}/risk",
        {"level": "low", "reason": "looks settled"},
        content_type="application/json",
    )
    assert response.status_code == 403
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_bad_input_gets_a_message_a_person_can_act_on(world: World) -> None:
    # Never a 500, and the message is asserted exactly: it is part of the product.
    response = world.client_for(world.sam).put(
        "/api/v1/me/availability",
        {"status": "asleep"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "available" in response.content.decode()


def test_sensitive_reads_leave_an_audit_entry(world: World) -> None:
    # Every read of case content is audited, so a test of a read checks the log too.
    world.client_for(world.jo).get(f"/api/v1/cases/{world.sams_case.pk}")
    entry = AuditEntry.objects.filter(action="case.viewed").last()
    assert entry is not None
    assert (entry.actor, entry.target_id) == (world.jo, str(world.sams_case.pk))


def test_anonymous_requests_are_turned_away(client: Client, world: World) -> None:
    # `client` is pytest-django's anonymous client: the API answers 401 with a reason.
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_actions_refuse_what_the_interface_forgot_to_check(world: World) -> None:
    # Actions check permission themselves, so a new interface cannot skip it.
    with pytest.raises(Forbidden):
        case_actions.change_risk(actor=world.dee, case=world.sams_case, level="low", reason="x")
