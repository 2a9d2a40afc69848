import base64
import json
import os
import subprocess
import sys

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings

from ropeteam.core.crypto import decrypt, encrypt


def _key() -> bytes:
    return os.urandom(32)


def test_a_value_round_trips_and_is_not_readable_when_stored() -> None:
    stored = encrypt("left the house at night", context="cases.riskchange.reason")
    assert "house" not in stored
    assert decrypt(stored, context="cases.riskchange.reason") == "left the house at night"


def test_the_same_text_encrypts_differently_each_time() -> None:
    assert encrypt("same", context="c") != encrypt("same", context="c")


def test_a_value_moved_to_another_column_does_not_decrypt() -> None:
    stored = encrypt("secret", context="cases.riskchange.reason")
    with pytest.raises(InvalidTag):
        decrypt(stored, context="people.user.phone")


def test_old_values_still_decrypt_after_a_new_key_is_put_first() -> None:
    old, new = _key(), _key()
    with override_settings(ENCRYPTION_KEYS={"k1": old}):
        stored = encrypt("before rotation", context="c")
    with override_settings(ENCRYPTION_KEYS={"k2": new, "k1": old}):
        assert decrypt(stored, context="c") == "before rotation"
        assert encrypt("after", context="c").startswith("v1:k2:")


def test_a_value_whose_key_is_gone_fails_loudly() -> None:
    with override_settings(ENCRYPTION_KEYS={"k1": _key()}):
        stored = encrypt("x", context="c")
    with (
        override_settings(ENCRYPTION_KEYS={"k2": _key()}),
        pytest.raises(ValueError, match="k1"),
    ):
        decrypt(stored, context="c")


def _configured_keys(raw: str) -> subprocess.CompletedProcess[str]:
    """Load the settings module in a fresh interpreter with this ROPETEAM_ENCRYPTION_KEYS."""
    code = (
        "import json, ropeteam.config.settings as s;"
        "print(json.dumps([[k, v.hex()] for k, v in s.ENCRYPTION_KEYS.items()]))"
    )
    env = {**os.environ, "ROPETEAM_ENCRYPTION_KEYS": raw}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )


def test_keys_are_read_from_configuration_as_base64_first_one_first() -> None:
    new, old = _key(), _key()
    unpadded = base64.urlsafe_b64encode(old).decode().rstrip("=")
    loaded = _configured_keys(f"k2:{base64.urlsafe_b64encode(new).decode()}, k1:{unpadded}")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == [["k2", new.hex()], ["k1", old.hex()]]


def test_a_key_id_configured_twice_is_refused() -> None:
    key = base64.urlsafe_b64encode(_key()).decode()
    loaded = _configured_keys(f"k1:{key},k1:{key}")
    assert loaded.returncode != 0
    assert "names key 'k1' twice" in loaded.stderr
