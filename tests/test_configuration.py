"""Settings: every one documented, secure defaults, production refused when unsafe."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_read_from_the_environment_is_documented() -> None:
    sources = (ROOT / "src/ropeteam/config/settings.py").read_text()
    sources += (ROOT / "src/ropeteam/config/env.py").read_text()
    names = set(re.findall(r"env(?:_bool)?\(\s*\"([A-Z_]+)\"", sources))
    assert "ROPETEAM_SECRET_KEY" in names
    documented = (ROOT / "docs/configuration.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in documented)
    assert missing == []


def test_passwords_are_hashed_with_argon2() -> None:
    from ropeteam.config import settings as configured

    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_the_content_security_policy_allows_no_inline_code() -> None:
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def _ropeteam(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROPETEAM_")}
    return subprocess.run(
        [sys.executable, "-m", "ropeteam.cli", *args],
        env={**clean, "ROPETEAM_DATA": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_refuses_a_configuration_without_secrets_and_says_what_to_fix(
    tmp_path: Path,
) -> None:
    result = _ropeteam("serve", "--port", "0", env={}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "ROPETEAM_SECRET_KEY" in result.stderr
    assert "ROPETEAM_ENCRYPTION_KEYS" in result.stderr
    assert "ROPETEAM_AUDIT_KEYS" in result.stderr


def test_serve_refuses_debug_in_production(tmp_path: Path) -> None:
    result = _ropeteam(
        "serve",
        env={"ROPETEAM_DEBUG": "0", "ROPETEAM_SECRET_KEY": "x" * 60, "ROPETEAM_ALLOWED_HOSTS": "*"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert "not '*'" in result.stderr


def test_demo_mode_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    result = _ropeteam(
        "serve",
        "--host",
        "0.0.0.0",  # noqa: S104  the point: demo must refuse it
        env={"ROPETEAM_DEMO": "1"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_check_passes_a_complete_production_configuration(tmp_path: Path) -> None:
    env = {
        "ROPETEAM_SECRET_KEY": "k" * 30 + "Z9x!" * 10,
        "ROPETEAM_ENCRYPTION_KEYS": "2026a:" + "A" * 43,
        "ROPETEAM_AUDIT_KEYS": "2026a:" + "B" * 43,
        "ROPETEAM_ALLOWED_HOSTS": "ropeteam.example.org",
        "ROPETEAM_BASE_URL": "https://ropeteam.example.org",
        "ROPETEAM_VAPID_PRIVATE_KEY": "Sb5O8ARcx-lpu3jtdWh3NFSFZFBl-Kh4yqd6jPUAZXA",
        "ROPETEAM_VAPID_SUBJECT": "mailto:it@example.org",
    }
    result = _ropeteam("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ready for production" in result.stdout


def test_an_encryption_key_id_named_twice_is_refused(tmp_path: Path) -> None:
    keys = "k1:" + "A" * 43 + ",k1:" + "B" * 43
    result = _ropeteam("check", env={"ROPETEAM_ENCRYPTION_KEYS": keys}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "names key 'k1' twice" in result.stderr


def test_check_refuses_push_and_links_without_keys_of_their_own(tmp_path: Path) -> None:
    env = {
        "ROPETEAM_SECRET_KEY": "k" * 30 + "Z9x!" * 10,
        "ROPETEAM_ENCRYPTION_KEYS": "2026a:" + "A" * 43,
        "ROPETEAM_ALLOWED_HOSTS": "ropeteam.example.org",
    }
    result = _ropeteam("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Set ROPETEAM_VAPID_PRIVATE_KEY" in result.stdout
    assert "Set ROPETEAM_VAPID_SUBJECT" in result.stdout
    assert "ROPETEAM_BASE_URL" in result.stdout


def test_check_refuses_a_vapid_key_that_is_not_a_p256_key(tmp_path: Path) -> None:
    env = {"ROPETEAM_VAPID_PRIVATE_KEY": "A" * 20, "ROPETEAM_VAPID_SUBJECT": "me@example.org"}
    result = _ropeteam("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "ROPETEAM_VAPID_PRIVATE_KEY must be a P-256 private key" in result.stdout
    assert "ROPETEAM_VAPID_SUBJECT must start with mailto: or https://" in result.stdout
