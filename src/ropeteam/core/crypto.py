"""Free text encrypted at rest with AES-GCM, keys from configuration.

A stored value is `v1:<key id>:<base64 nonce + ciphertext>`, so keys can rotate: new values
use the first configured key, old ones decrypt with the key they name, and `rotate`
re-encrypts them with the first key so the others can be retired.
"""

import base64
import os
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.db import connections, models, router, transaction

from ropeteam.core.errors import RopeteamError

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


@dataclass
class RotationReport:
    """What `rotate` did: the key values now use, and how many it re-encrypted per column."""

    key_id: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every encrypted column, found through the app registry: core knows no domain models."""
    # Local concrete fields only, so a column inherited from a parent table is visited once.
    return [
        (model, candidate)
        for model in apps.get_models()
        if not model._meta.proxy
        for candidate in model._meta.local_concrete_fields
        if isinstance(candidate, EncryptedTextField)
    ]


def rotate(*, batch_size: int = 500) -> RotationReport:
    """Re-encrypt with the current key every value stored under another; safe to rerun."""
    if batch_size < 1:
        raise RopeteamError("The batch size must be at least 1.")
    key_id = next(iter(_keys()))
    report = RotationReport(key_id=key_id)
    for model, column in encrypted_columns():
        report.counts[column._context] = _rotate_column(
            model=model, column=column, key_id=key_id, batch_size=batch_size
        )
    return report


def _rotate_column(
    *, model: type[models.Model], column: EncryptedTextField, key_id: str, batch_size: int
) -> int:
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    table, pk, name = (
        quote(model._meta.db_table),
        quote(model._meta.pk.column),
        quote(column.column),
    )
    current = f"{PREFIX}:{key_id}:"
    # Raw SQL because the ORM would decrypt the values; the names come from the model registry.
    # SUBSTR rather than LIKE, so an "_" or "%" in a key id is not a wildcard.
    select = (
        f"SELECT {pk}, {name} FROM {table} "  # noqa: S608
        f"WHERE {name} <> '' AND SUBSTR({name}, 1, %s) <> %s"
    )
    # Only where the value is still the one read: a row the app rewrote meanwhile is left be.
    update = f"UPDATE {table} SET {name} = %s WHERE {pk} = %s AND {name} = %s"  # noqa: S608
    rotated, last = 0, None
    while True:
        sql = select
        params: list[Any] = [len(current), current]
        if last is not None:
            sql, params = f"{sql} AND {pk} > %s", [*params, last]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY {pk} LIMIT %s", [*params, batch_size])
            rows = cursor.fetchall()
            for row_pk, stored in rows:
                plaintext = _decrypt_to_rotate(stored, column=column, row_pk=row_pk)
                cursor.execute(
                    update, [encrypt(plaintext, context=column._context), row_pk, stored]
                )
                rotated += cursor.rowcount
        if len(rows) < batch_size:
            return rotated
        last = rows[-1][0]


def _decrypt_to_rotate(stored: str, *, column: EncryptedTextField, row_pk: Any) -> str:
    try:
        return decrypt(stored, context=column._context)
    except InvalidTag:
        problem = "the key its id names does not open it (a different key under that id?)."
    except ValueError as error:
        problem = str(error)
    # Raised inside the batch's transaction, so nothing in this batch is written.
    raise RopeteamError(
        f"{column._context} row {row_pk}: {problem} Nothing in its batch was changed; "
        "configure the key it needs (after the current one) and run again."
    )
