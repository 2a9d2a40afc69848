import pytest
from django.db import connection

from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions, queries
from ropeteam.cases.models import Case, RiskChange
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput
from tests.conftest import World


def test_a_risk_change_keeps_who_when_why_and_from_what(world: World) -> None:
    actions.change_risk(
        actor=world.sam, case=world.sams_case, level="critical", reason="Missing overnight."
    )
    _case, history = queries.view_case(viewer=world.sam, case=world.sams_case)
    latest = history[0]
    assert (latest.changed_by, latest.from_level, latest.to_level, latest.reason) == (
        world.sam,
        "high",
        "critical",
        "Missing overnight.",
    )
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "critical"


def test_the_team_administrator_cannot_change_risk(world: World) -> None:
    with pytest.raises(Forbidden):
        actions.change_risk(actor=world.dee, case=world.sams_case, level="low", reason="x")
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_a_reason_with_a_date_of_birth_is_refused_and_nothing_is_written(world: World) -> None:
    before = RiskChange.objects.count()
    with pytest.raises(InvalidInput) as error:
        actions.change_risk(
            actor=world.sam, case=world.sams_case, level="low", reason="DOB 01/02/2010, settled now"
        )
    assert "pseudonymised" in error.value.message
    assert RiskChange.objects.count() == before


def test_a_name_in_place_of_initials_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.open_case(
            actor=world.sam,
            team=world.northside,
            reference="NS-9",
            initials="Jordan",
            age_band="15_17",
            risk_level="low",
            keyworker_ids=[world.sam.pk],
        )
    assert error.value.field == "initials"
    assert not Case.objects.filter(reference="NS-9").exists()


def test_a_reference_is_unique_within_a_team_only(world: World) -> None:
    with pytest.raises(Conflict):
        actions.open_case(
            actor=world.sam,
            team=world.northside,
            reference="NS-1",
            initials="AB",
            age_band="15_17",
            risk_level="low",
            keyworker_ids=[],
        )
    actions.open_case(
        actor=world.lee,
        team=world.riverside,
        reference="NS-1",
        initials="AB",
        age_band="15_17",
        risk_level="low",
        keyworker_ids=[],
    )


def test_keyworkers_must_belong_to_the_cases_team(world: World) -> None:
    with pytest.raises(InvalidInput):
        actions.update_case(actor=world.sam, case=world.sams_case, keyworker_ids=[world.lee.pk])


def test_reading_cases_leaves_an_audit_entry(world: World) -> None:
    queries.list_cases(viewer=world.dee, team=world.northside)
    queries.view_case(viewer=world.dee, case=world.sams_case)
    actions_seen = list(AuditEntry.objects.filter(actor=world.dee).values_list("action", flat=True))
    assert actions_seen == ["case.listed", "case.viewed"]


def test_risk_reasons_are_not_readable_in_the_database(world: World) -> None:
    actions.change_risk(
        actor=world.sam,
        case=world.sams_case,
        level="medium",
        reason="Reconnected with college tutor",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM cases_riskchange")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored
    assert not any("college" in value for value in stored)
    assert all(value.startswith("v1:") for value in stored)
