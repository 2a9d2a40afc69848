from datetime import timedelta
from itertools import pairwise
from typing import Any
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ropeteam.audit import head
from ropeteam.audit.log import (
    GENESIS,
    READ_AGAIN_AFTER,
    _digest,
    record,
    record_read,
    verify_chain,
)
from ropeteam.audit.models import AuditEntry
from ropeteam.people.models import User
from tests.conftest import World


def test_each_entry_chains_to_the_one_before(world: World) -> None:
    entries = list(AuditEntry.objects.order_by("id"))
    assert entries[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(entries))
    assert verify_chain().is_intact


def test_the_database_refuses_to_change_an_entry(world: World) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")


def test_the_database_refuses_to_delete_an_entry(world: World) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.exists()


def _without_triggers(*, delete: bool = False) -> None:
    """What someone with raw access to the database file could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks from the inserts must run before the table changes.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            if delete:
                cursor.execute("DROP TRIGGER audit_entry_no_delete")


def test_an_entry_changed_behind_the_triggers_back_breaks_the_chain(world: World) -> None:
    record(actor=world.sam, action="case.viewed", target=world.sams_case)
    victim = AuditEntry.objects.order_by("id")[2]
    _without_triggers()
    AuditEntry.objects.filter(pk=victim.pk).update(data={"tampered": True})
    report = verify_chain()
    assert not report.is_intact
    assert report.first_broken_id == victim.pk


def _checkpointed(world: World, capture: Any, n: int = 3) -> list[AuditEntry]:
    """`n` more entries, committed as a request's would be, so the head moves with them."""
    with capture(execute=True):
        return [
            record(actor=world.sam, action="case.viewed", target=world.sams_case) for _ in range(n)
        ]


def test_entries_are_keyed_and_numbered_and_the_head_is_kept_outside_the_database(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    entries = _checkpointed(world, django_capture_on_commit_callbacks)
    assert [e.key_id for e in entries] == [next(iter(settings.AUDIT_KEYS))] * 3
    assert entries[-1].position == AuditEntry.objects.count()
    assert head.read() == head.Head(entries=AuditEntry.objects.count(), hash=entries[-1].hash)
    assert verify_chain().is_intact


def test_deleting_the_newest_entries_is_named_as_missing_entries(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    newest = _checkpointed(world, django_capture_on_commit_callbacks)[-1]
    total = AuditEntry.objects.count()
    _without_triggers(delete=True)
    AuditEntry.objects.filter(pk=newest.pk).delete()
    report = verify_chain()
    assert not report.is_intact
    assert report.problem == (
        f"the newest entries are missing: the checkpoint counts {total}, "
        f"the database holds {total - 1}"
    )


def test_deleting_an_entry_in_the_middle_breaks_the_chain_at_the_next(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    first, second, _third = _checkpointed(world, django_capture_on_commit_callbacks)
    _without_triggers(delete=True)
    AuditEntry.objects.filter(pk=first.pk).delete()
    report = verify_chain()
    assert report.first_broken_id == second.pk
    assert "does not match its hash" in report.problem


def test_a_chain_recomputed_without_the_key_is_found(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # Someone with write access to the database alters an entry and recomputes every hash
    # after it, but without the key: with a key of their own, or unkeyed.
    victim, *later = _checkpointed(world, django_capture_on_commit_callbacks)
    _without_triggers()
    for forged_keys in ({"forged": b"k" * 32}, None):
        prev_hash = victim.prev_hash
        for entry in [victim, *later]:
            entry.data = {"tampered": True} if entry.pk == victim.pk else entry.data
            key = None
            if forged_keys:
                entry.key_id, key = "forged", forged_keys["forged"]
                settings.AUDIT_KEYS = {**settings.AUDIT_KEYS, **forged_keys}
            entry.prev_hash = prev_hash
            entry.hash = _digest(prev_hash, entry, key)
            AuditEntry.objects.filter(pk=entry.pk).update(
                data=entry.data, prev_hash=entry.prev_hash, hash=entry.hash, key_id=entry.key_id
            )
            prev_hash = entry.hash
        settings.AUDIT_KEYS = {k: v for k, v in settings.AUDIT_KEYS.items() if k != "forged"}
        report = verify_chain()
        assert not report.is_intact
        assert report.first_broken_id == victim.pk


def test_a_chain_recomputed_with_the_key_still_differs_from_the_checkpoint(
    world: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # Even the key is not enough: the head outside the database names the entry it saw.
    entries = _checkpointed(world, django_capture_on_commit_callbacks)
    key_id = next(iter(settings.AUDIT_KEYS))
    _without_triggers()
    prev_hash = entries[0].prev_hash
    for entry in entries:
        entry.data = {"tampered": True}
        entry.prev_hash = prev_hash
        entry.hash = _digest(prev_hash, entry, settings.AUDIT_KEYS[key_id])
        AuditEntry.objects.filter(pk=entry.pk).update(
            data=entry.data, prev_hash=entry.prev_hash, hash=entry.hash
        )
        prev_hash = entry.hash
    report = verify_chain()
    assert report.problem == (
        f"entry {entries[-1].position} is not the one checkpointed: the chain was recomputed"
    )


def _readers(world: World) -> list[int | None]:
    entries = AuditEntry.objects.filter(action="case.viewed", target_id=str(world.sams_case.pk))
    return list(entries.order_by("id").values_list("actor_id", flat=True))


def test_a_page_re_read_on_every_live_update_is_one_read_per_person_until_time_passes(
    world: World,
) -> None:
    def read(user: User) -> AuditEntry:
        return record_read(
            actor=user, action="case.viewed", target=world.sams_case, team_id=None, data={}
        )

    first = read(world.sam)
    assert read(world.sam) == first  # a live refresh moments later: the same read
    read(world.jo)  # someone else reading is their own read
    assert _readers(world) == [world.sam.pk, world.jo.pk]
    # Ten minutes on, the page still open: a new entry shows the person kept reading.
    later = timezone.now() + READ_AGAIN_AFTER + timedelta(seconds=1)
    with mock.patch("ropeteam.audit.log.timezone.now", return_value=later):
        again = read(world.sam)
    assert again != first
    assert again.at == later
    assert _readers(world) == [world.sam.pk, world.jo.pk, world.sam.pk]
    assert verify_chain().is_intact
