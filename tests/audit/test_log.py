from datetime import timedelta
from itertools import pairwise
from unittest import mock

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ropeteam.audit.log import GENESIS, READ_AGAIN_AFTER, record, record_read, verify_chain
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
