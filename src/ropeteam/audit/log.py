"""Writing and checking the hash-chained audit log.

Every action that changes people, roles, rope holders or cases calls `record` inside its
transaction, and so does every read of case-linked content.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from ropeteam.audit.models import AuditEntry

GENESIS = "0" * 64
# A person reading the same thing again within this time is the same read (`record_read`).
READ_AGAIN_AFTER = timedelta(minutes=10)
# Any constant works: it names the lock that orders writers on PostgreSQL.
_PG_CHAIN_LOCK = 0x524F5045
_LATEST_HASH = f"SELECT hash FROM {AuditEntry._meta.db_table} ORDER BY id DESC LIMIT 1"  # noqa: S608


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
    # No savepoint of its own: an entry that fails to be written fails the caller's change.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Serialise appenders so each entry chains to the true latest one. SQLite needs
            # nothing: its IMMEDIATE transactions already admit one writer at a time.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
        cursor.execute(_LATEST_HASH)  # plain SQL: every audited action and read runs it
        latest = cursor.fetchone()
        prev_hash = latest[0] if latest is not None else None
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


def record_read(
    *, actor: Model, action: str, target: Model, team_id: int | None, data: dict[str, Any]
) -> AuditEntry:
    """Audit a read of case-linked content: once per person, thing and `READ_AGAIN_AFTER`.

    A page open during a visit or a Thinking Together re-reads itself on every live update;
    an entry per update would bury the log's other entries and serialise every viewer behind
    the chain's lock. The first read is recorded and so is the first after the window, so
    someone who kept the page open shows as an entry every ten minutes.
    """
    recent = (
        AuditEntry.objects.filter(
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            actor_id=actor.pk,
            action=action,
            at__gte=timezone.now() - READ_AGAIN_AFTER,
        )
        .order_by("-id")
        .first()
    )
    if recent is not None:
        return recent
    return record(actor=actor, action=action, target=target, team_id=team_id, data=data)


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
