"""Writing and checking the hash-chained audit log.

Every action that changes people, roles, rope holders or cases calls `record` inside its
transaction, and so does every read of case-linked content.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from ropeteam.audit import head
from ropeteam.audit.models import AuditEntry

GENESIS = "0" * 64
# A person reading the same thing again within this time is the same read (`record_read`).
READ_AGAIN_AFTER = timedelta(minutes=10)
# Any constant works: it names the lock that orders writers on PostgreSQL.
_PG_CHAIN_LOCK = 0x524F5045
_TABLE = AuditEntry._meta.db_table
_LATEST = f"SELECT hash, position FROM {_TABLE} ORDER BY id DESC LIMIT 1"  # noqa: S608
_COUNT = f"SELECT COUNT(*) FROM {_TABLE}"  # noqa: S608


def _digest(prev_hash: str, entry: AuditEntry, key: bytes | None = None) -> str:
    """SHA-256 of the entry and the hash before it; keyed entries use HMAC-SHA-256 over the
    same and their position, so only someone holding the key can recompute the chain."""
    fields = [
        prev_hash,
        entry.at.isoformat(),
        entry.actor_id,
        entry.action,
        entry.target_type,
        entry.target_id,
        entry.team_id,
        entry.data,
    ]
    if key is not None:
        fields += [entry.position, entry.key_id]
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def _current_key() -> tuple[str, bytes]:
    key_id = next(iter(settings.AUDIT_KEYS))
    return key_id, settings.AUDIT_KEYS[key_id]


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
        cursor.execute(_LATEST)  # plain SQL: every audited action and read runs it
        latest = cursor.fetchone()
        prev_hash, position = latest if latest is not None else (None, 0)
        if position is None:  # the first keyed entry after unkeyed ones: count them once
            cursor.execute(_COUNT)
            position = cursor.fetchone()[0]
        key_id, key = _current_key()
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
            position=position + 1,
            key_id=key_id,
        )
        entry.hash = _digest(entry.prev_hash, entry, key)
        entry.save()
        transaction.on_commit(partial(head.advance, position + 1, entry.hash))
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


def record_refusal(*, actor: Model, status: int, method: str, path: str) -> None:
    """A signed-in person was refused (403) or shown "not found" (404): someone probing for
    others' records shows in the trail. The path only, never its query string; the same
    refusal again within `READ_AGAIN_AFTER` is the same entry, so a page that polls does not
    bury the log."""
    data = {"status": status, "method": method, "path": path[:200]}
    recent = AuditEntry.objects.filter(
        action="access.refused",
        actor_id=actor.pk,
        at__gte=timezone.now() - READ_AGAIN_AFTER,
        data__path=data["path"],
    )
    if any(entry.data == data for entry in recent):
        return
    with transaction.atomic():
        record(actor=actor, action="access.refused", data=data)


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_id: int | None = None
    # What is wrong, for `ropeteam audit verify` to say; empty when the chain is intact.
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return not self.problem


def _broken(count: int, entry: AuditEntry, why: str) -> ChainReport:
    return ChainReport(entries=count, first_broken_id=entry.id, problem=f"entry {entry.id} {why}")


def verify_chain() -> ChainReport:
    """Recompute every hash in order, with the keys; then hold the chain against the head
    checkpointed outside the database. The first problem found is reported."""
    prev_hash, count, keyed = GENESIS, 0, False
    checkpoint = head.read()
    at_checkpoint: str | None = None
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        key = settings.AUDIT_KEYS.get(entry.key_id) if entry.key_id else None
        if entry.key_id and key is None:
            return _broken(count, entry, f"is keyed with {entry.key_id!r}, a key not configured")
        if keyed and key is None:
            return _broken(count, entry, "is unkeyed after keyed entries: the chain was rewritten")
        keyed = keyed or key is not None
        if entry.prev_hash != prev_hash or entry.hash != _digest(prev_hash, entry, key):
            return _broken(
                count, entry, "does not match its hash: changed, or one before it removed"
            )
        if key is not None and entry.position != count:
            return _broken(count, entry, f"says it is entry {entry.position}, but is {count}")
        if checkpoint is not None and count == checkpoint.entries:
            at_checkpoint = entry.hash
        prev_hash = entry.hash
    return _against(checkpoint, count, at_checkpoint)


def _against(checkpoint: head.Head | None, count: int, at_checkpoint: str | None) -> ChainReport:
    if checkpoint is None:
        return ChainReport(entries=count)
    if count < checkpoint.entries:
        return ChainReport(
            entries=count,
            problem=f"the newest entries are missing: the checkpoint counts "
            f"{checkpoint.entries}, the database holds {count}",
        )
    if at_checkpoint != checkpoint.hash:
        return ChainReport(
            entries=count,
            problem=f"entry {checkpoint.entries} is not the one checkpointed: the chain "
            f"was recomputed",
        )
    return ChainReport(entries=count)
