"""On PostgreSQL the server runs as a role that cannot switch off the audit log's triggers,
nor change or delete its entries, yet does everything else the app does
(`ropeteam migrate --runtime-role`, core/dbroles.py)."""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection

from ropeteam.audit.log import record
from ropeteam.cli import main
from ropeteam.people.models import User
from tests.conftest import World

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only (CI runs it): SQLite has no roles",
    ),
    pytest.mark.django_db(transaction=True),
]

ROLE = "ropeteam_runtime_test"


@pytest.fixture
def runtime() -> Iterator[psycopg.Connection[Any]]:
    """A connection as the runtime role, granted by `ropeteam migrate --runtime-role`."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {ROLE}" if _exists() else "SELECT 1")
        cursor.execute(f"DROP ROLE IF EXISTS {ROLE}")
        cursor.execute(f"CREATE ROLE {ROLE} LOGIN")
    assert main(["migrate", "--runtime-role", ROLE]) == 0
    params = connection.get_connection_params()
    params.update(user=ROLE, autocommit=True)
    params.pop("password", None)
    with psycopg.connect(**params) as conn:
        yield conn
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {ROLE}")
        cursor.execute(f"DROP ROLE {ROLE}")


def _exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        return cursor.fetchone() is not None


def _refused(conn: psycopg.Connection[Any], statement: str) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        conn.execute(statement)
    return str(refused.value)


def test_the_runtime_role_cannot_switch_off_or_rewrite_the_audit_log(
    world: World, runtime: psycopg.Connection[Any]
) -> None:
    record(actor=world.sam, action="case.viewed", target=world.sams_case)
    table = "audit_auditentry"
    assert "must be owner" in _refused(
        runtime, f"ALTER TABLE {table} DISABLE TRIGGER audit_entry_append_only"
    )
    assert "must be owner" in _refused(runtime, f"DROP TRIGGER audit_entry_append_only ON {table}")
    assert "permission denied" in _refused(
        runtime, "UPDATE audit_auditentry SET action = 'nothing'"
    )
    assert "permission denied" in _refused(runtime, "DELETE FROM audit_auditentry")
    assert "permission denied" in _refused(runtime, f"TRUNCATE {table}")


def test_the_runtime_role_can_do_what_the_app_does(
    world: World, runtime: psycopg.Connection[Any]
) -> None:
    # Read the log and append to it; read and change other tables.
    count = runtime.execute("SELECT COUNT(*) FROM audit_auditentry").fetchone()
    assert count is not None and count[0] > 0
    assert User._meta.db_table == "people_user"
    runtime.execute("UPDATE people_user SET display_name = 'Sam R' WHERE id = %s", [world.sam.pk])
    world.sam.refresh_from_db()
    assert world.sam.display_name == "Sam R"
    runtime.execute("SELECT pg_advisory_xact_lock(1)")  # the audit chain's lock
    runtime.execute(
        "INSERT INTO audit_auditentry (at, action, target_type, target_id, data, prev_hash, hash)"
        " VALUES (now(), 'test.appended', '', '', '{}', %s, %s)",
        ["0" * 64, "a" * 64],
    )
