"""On PostgreSQL the app runs as a role that owns nothing (docs/deployment.md).

Migrations run as the owner of the tables; the server runs as a runtime role granted only
what the app does: read and write the tables, but only read and append to the audit log.
Only a table's owner may disable or drop its triggers, so the runtime role cannot switch
off the audit log's append-only triggers, nor update or delete its entries.
"""

from django.db import connection

AUDIT_TABLE = "audit_auditentry"


class NotPostgreSQL(Exception):
    """Roles are PostgreSQL's: on SQLite the boundary is the data folder's file permissions."""


def grant_runtime(role: str) -> None:
    """Grant `role` what the running app needs in the current schema, and no more. Run after
    every migration (new tables need their grants); granting again changes nothing."""
    if connection.vendor != "postgresql":
        raise NotPostgreSQL
    with connection.cursor() as cursor:
        quoted = connection.ops.quote_name(role)
        cursor.execute("SELECT current_schema()")
        schema = connection.ops.quote_name(cursor.fetchone()[0])
        audit = connection.ops.quote_name(AUDIT_TABLE)
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {audit} FROM {quoted}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        ):
            cursor.execute(statement)
