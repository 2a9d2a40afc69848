"""The `ropeteam` command, run in-process against the test database."""

import base64
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam import demo
from ropeteam.audit import head, trail
from ropeteam.audit.models import AuditEntry
from ropeteam.cli import main
from ropeteam.concerns import actions as concerns
from ropeteam.concerns import queries as concern_queries
from ropeteam.concerns.flow import Level, Resolution
from ropeteam.concerns.models import Concern, Direction
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState, StepState
from ropeteam.escalation.models import Chain, Step
from ropeteam.people.actions import authenticate_token
from ropeteam.people.models import Membership, OrganisationAdmin, Team, User
from ropeteam.realtime.models import LiveEvent
from tests.api.conftest import token_for
from tests.conftest import World

ROOT = Path(__file__).resolve().parent.parent


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in [
        "demo",
        "serve",
        "worker",
        "migrate",
        "createadmin",
        "token",
        "check",
        "import-team",
        "audit",
        "keys",
    ]:
        assert command in out


def test_make_demo_passes_the_port_through() -> None:
    result = subprocess.run(
        ["make", "-n", "demo", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "ropeteam demo --port 8123" in result.stdout


def test_token_create_prints_a_token_that_works(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "sam"]) == 0
    raw = capsys.readouterr().out.strip()
    assert authenticate_token(raw) == world.sam


def test_token_create_for_an_unknown_user_fails_clearly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "nobody"]) == 2
    assert "no active account called 'nobody'" in capsys.readouterr().err


def test_createadmin_makes_an_organisation_admin(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROPETEAM_ADMIN_PASSWORD", "a long admin passphrase")
    assert main(["createadmin", "root", "--organisation", "New Trust"]) == 0
    user = User.objects.get(username="root")
    assert user.check_password("a long admin passphrase")
    assert OrganisationAdmin.objects.filter(user=user, organisation__name="New Trust").exists()


def test_import_team_creates_teams_accounts_and_set_password_links(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "staff.csv"
    csv.write_text(
        "team,username,display_name,role,grade,profession,phone,email\n"
        "Eastside,ellie,Ellie Grant,lead,team_lead,Social worker,,\n"
        "Eastside,femi,Femi Ade,practitioner,newly_qualified,Keyworker,07700 900999,\n"
        "Northside,femi,Femi Ade,practitioner,newly_qualified,Keyworker,,\n"
    )
    assert main(["import-team", str(csv), "--organisation", "Test Trust"]) == 0
    out = capsys.readouterr().out
    assert "2 new accounts" in out
    assert "/reset/" in out
    femi = User.objects.get(username="femi")
    assert not femi.has_usable_password()
    teams = set(Membership.objects.filter(user=femi).values_list("team__name", flat=True))
    assert teams == {"Eastside", "Northside"}


def test_import_team_with_a_bad_row_imports_nothing(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "staff.csv"
    csv.write_text(
        "team,username,role,grade\nEastside,ellie,lead,team_lead\nEastside,femi,boss,team_lead\n"
    )
    assert main(["import-team", str(csv), "--organisation", "Test Trust"]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err
    assert "Unknown role" in err
    assert not User.objects.filter(username="ellie").exists()


def test_audit_verify_reports_an_intact_chain(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out


def test_audit_verify_says_when_the_newest_entries_are_gone(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # The head checkpointed outside the database counts one more entry than there is.
    count = AuditEntry.objects.count()
    head.advance(count + 1, "f" * 64)
    assert main(["audit", "verify"]) != 0
    err = capsys.readouterr().err
    assert f"the checkpoint counts {count + 1}, the database holds {count}" in err


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's answer")
def test_migrate_with_a_runtime_role_says_sqlite_has_no_roles(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--runtime-role", "ropeteam_app"]) == 2
    assert "--runtime-role needs PostgreSQL" in capsys.readouterr().err


def test_keys_generate_prints_a_32_byte_key_under_the_given_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "generate", "--id", "2026b"]) == 0
    key_id, _sep, key = capsys.readouterr().out.strip().partition(":")
    assert key_id == "2026b"
    assert len(base64.urlsafe_b64decode(key)) == 32


def test_keys_generate_names_the_key_after_today_by_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "generate"]) == 0
    first = capsys.readouterr().out.strip()
    assert first.startswith(datetime.now(UTC).date().isoformat() + ":")
    assert main(["keys", "generate"]) == 0
    assert capsys.readouterr().out.strip() != first


def test_keys_generate_refuses_an_id_the_configuration_could_not_read_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "generate", "--id", "a,b"]) == 2
    assert "key id" in capsys.readouterr().err


def test_demo_data_loads_once_with_every_persona(db: None) -> None:
    assert demo.load() is True
    assert demo.load() is False
    expected = {"admin", "priya", "morgan", "sam", "jo", "alex", "dee", "kim", "lee", "dana"}
    assert set(User.objects.values_list("username", flat=True)) == expected
    # The data-protection officer reads the audit trail and is in no team.
    dana = User.objects.get(username="dana")
    assert trail.organisations_audited_by(dana.pk) != []
    assert not Membership.objects.filter(user=dana).exists()
    assert all(u.check_password(demo.PASSWORD) for u in User.objects.all())
    northside = Membership.objects.filter(team__name="Northside Outreach")
    assert northside.get(user__username="alex").grade == "newly_qualified"
    assert northside.get(user__username="dee").role == "administrator"
    assert northside.get(user__username="morgan").profession == "Clinical psychologist"


@pytest.fixture
def loaded(db: None, django_capture_on_commit_callbacks: Any) -> None:
    """The demo as `ropeteam demo` leaves it: committed, with its on-commit work done."""
    with django_capture_on_commit_callbacks(execute=True):
        assert demo.load() is True


def test_after_the_demo_priyas_concern_figures_are_shown(loaded: None) -> None:
    priya = User.objects.get(username="priya")
    northside = Team.objects.get(name="Northside Outreach")
    figures = (
        Client().get(f"/api/v1/teams/{northside.pk}/concerns/activity", **token_for(priya)).json()
    )
    assert figures["raised"] == Concern.objects.filter(team=northside).count() >= 5
    assert figures["median_response_seconds"] is not None
    # Each breakdown shows a count, and hides the small ones (the demo shows both at work).
    for breakdown in ("by_level", "by_direction"):
        counts = [f["count"] for f in figures[breakdown]]
        assert any(counts) and None in counts, breakdown
    page = Client()
    page.force_login(priya)
    html = page.get(reverse("web:concern_activity")).content.decode()
    assert 'id="activity"' in html
    assert "activity-too-few" not in html


def test_after_the_demo_no_concern_waits_on_anyone_nor_on_the_engine(loaded: None) -> None:
    assert set(Concern.objects.values_list("state", flat=True)) == {"resolved"}
    assert not Concern.objects.filter(due_at__isnull=False).exists()
    for user in User.objects.all():
        assert list(concern_queries.waiting_for(user)) == [], user.username
    # The worker starts with the demo server: no chain of a concern for it to run, no alert.
    concern_chains = Chain.objects.filter(ladder=concerns.LADDER)
    assert concern_chains.exists()
    assert not concern_chains.filter(state=ChainState.OPEN).exists()
    assert not Step.objects.filter(chain__ladder=concerns.LADDER, state=StepState.PENDING).exists()
    waiting = DBTaskResult.objects.filter(status="READY").values_list("args_kwargs", flat=True)
    assert [a for a in waiting if str(a["args"][0]).startswith("concern:")] == []
    # A server re-reads the newest outbox events when it starts.
    frames = [
        json.loads(payload["frame"])["type"]
        for payload in LiveEvent.objects.filter(kind="live.event").values_list("payload", flat=True)
    ]
    assert "concern" not in frames


def test_a_worker_that_runs_long_after_the_demo_changes_no_concern(loaded: None) -> None:
    before = {c.pk: list(c.entries.values_list("kind", "at")) for c in Concern.objects.all()}
    engine.run_due(now=timezone.now() + timedelta(days=365))
    after = {c.pk: list(c.entries.values_list("kind", "at")) for c in Concern.objects.all()}
    assert after == before
    assert set(Concern.objects.values_list("state", flat=True)) == {"resolved"}


def test_the_demos_concerns_span_levels_directions_and_endings_over_past_weeks(
    loaded: None,
) -> None:
    northside = Concern.objects.filter(team__name="Northside Outreach")
    assert set(northside.values_list("level", flat=True)) == set(Level)
    assert set(northside.values_list("direction", flat=True)) == set(Direction)
    assert set(northside.values_list("resolution", flat=True)) == set(Resolution)
    assert northside.filter(escalated_at__isnull=False, escalate_to__username="priya").exists()
    assert northside.filter(escalated_at__isnull=True, first_response_at__isnull=False).exists()
    assert 0 < northside.filter(case__isnull=False).count() < northside.count() / 2
    now = timezone.now()
    for concern in Concern.objects.all():
        times = list(concern.entries.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), concern.pk  # dated in the order they happened
        assert now - timedelta(days=60) < concern.created_at == times[0]
        assert concern.resolved_at == times[-1] < now
        assert concern.conversation.created_at == concern.created_at


def test_the_demos_concerns_leave_out_the_pairs_the_browser_tests_need(loaded: None) -> None:
    # Each concern's conversation is listed under Messages by the names in it.
    for concern in Concern.objects.all():
        names = set(concern.conversation.participants.values_list("user__username", flat=True))
        assert not {"alex", "priya"} <= names, concern.pk  # browser/test_concerns.py
        assert not {"morgan", "sam"} <= names, concern.pk  # browser/test_conversations.py
