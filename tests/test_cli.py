"""The `ropeteam` command, run in-process against the test database."""

import base64
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ropeteam import demo
from ropeteam.cli import main
from ropeteam.people.actions import authenticate_token
from ropeteam.people.models import Membership, OrganisationAdmin, User
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
    expected = {"admin", "priya", "morgan", "sam", "jo", "alex", "dee", "kim", "lee"}
    assert set(User.objects.values_list("username", flat=True)) == expected
    assert all(u.check_password(demo.PASSWORD) for u in User.objects.all())
    northside = Membership.objects.filter(team__name="Northside Outreach")
    assert northside.get(user__username="alex").grade == "newly_qualified"
    assert northside.get(user__username="dee").role == "administrator"
    assert northside.get(user__username="morgan").profession == "Clinical psychologist"
