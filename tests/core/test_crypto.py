import base64
import os

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


def test_keys_are_base64_in_configuration() -> None:
    assert len(base64.urlsafe_b64encode(_key())) == 44
