"""Writing and checking the hash-chained audit log.

Every action that changes people, roles, rope holders or cases calls `record` inside its
transaction, and so does every read of case-linked content.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from ropeteam.audit.models import AuditEntry

GENESIS = "0" * 64
# Any constant works: it names the lock that orders writers on PostgreSQL.
_PG_CHAIN_LOCK = 0x524F5045


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        [
            prev_hash,
            entry.at.isoformat(),
            entry.actor_id,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.team_id,
            entry.data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    *,
    actor: Model | None,
    action: str,
    target: Model | None = None,
    target_type: str = "",
    target_id: str = "",
    team_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; runs inside the caller's transaction, so it commits with the change."""
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appenders so each entry chains to the true latest one. SQLite needs
            # nothing: its IMMEDIATE transactions already admit one writer at a time.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
        prev_hash = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            action=action,
            target_type=target_type,
            target_id=target_id,
            team_id=team_id,
            # Round-trip through JSON so the hash covers exactly what the database stores.
            data=json.loads(json.dumps(data or {}, default=str)),
            prev_hash=prev_hash or GENESIS,
        )
        entry.hash = _digest(entry.prev_hash, entry)
        entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_id: int | None

    @property
    def is_intact(self) -> bool:
        return self.first_broken_id is None


def verify_chain() -> ChainReport:
    """Recompute every hash in order; report the first entry that does not match."""
    prev_hash = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev_hash or entry.hash != _digest(prev_hash, entry):
            return ChainReport(entries=count, first_broken_id=entry.id)
        prev_hash = entry.hash
    return ChainReport(entries=count, first_broken_id=None)
