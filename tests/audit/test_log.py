from itertools import pairwise

import pytest
from django.db import DatabaseError, connection, transaction

from ropeteam.audit.log import GENESIS, record, verify_chain
from ropeteam.audit.models import AuditEntry
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


def _without_triggers() -> None:
    """What someone with raw access to the database file could do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks from the inserts must run before the table changes.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")


def test_an_entry_changed_behind_the_triggers_back_breaks_the_chain(world: World) -> None:
    record(actor=world.sam, action="case.viewed", target=world.sams_case)
    victim = AuditEntry.objects.order_by("id")[2]
    _without_triggers()
    AuditEntry.objects.filter(pk=victim.pk).update(data={"tampered": True})
    report = verify_chain()
    assert not report.is_intact
    assert report.first_broken_id == victim.pk
