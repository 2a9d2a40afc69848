"""Free text encrypted at rest with AES-GCM, keys from configuration.

A stored value is `v1:<key id>:<base64 nonce + ciphertext>`, so keys can rotate: new values
use the first configured key, old ones decrypt with the key they name.
"""

import base64
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "v1"


def _keys() -> dict[str, bytes]:
    keys: dict[str, bytes] = settings.ENCRYPTION_KEYS
    return keys


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt with the current key; `context` binds the value to its column."""
    key_id, key = next(iter(_keys().items()))
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    version, key_id, payload = stored.split(":", 2)
    if version != PREFIX:
        raise ValueError(f"Unknown encryption format {version!r}.")
    key = _keys().get(key_id)
    if key is None:
        raise ValueError(f"Encryption key {key_id!r} is not configured.")
    raw = base64.urlsafe_b64decode(payload)
    return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is only ever stored encrypted."""

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only)
        self._context = f"{cls._meta.label_lower}.{name}"

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return encrypt(str(value), context=self._context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return decrypt(value, context=self._context)
