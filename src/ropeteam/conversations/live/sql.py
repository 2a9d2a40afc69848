"""The writer's statements in plain SQL: a fixed handful per batch, whatever its size.

The benchmark showed the ORM building queries took most of the writer's time (ADR 0004);
these are the same statements written once. The invariants stay in the database: unique
(conversation, seq) and (sender, client_id), the row lock on each conversation, the check
that read never passes delivered. Statements work on SQLite (3.35+) and PostgreSQL.
"""

# Every statement is built from model table names and a count of placeholders; every value
# is passed as a parameter.
# ruff: noqa: S608

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Model

from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.people.models import Membership, User


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _params(count: int) -> str:
    return ", ".join(["%s"] * count)


def _greatest() -> str:
    return "MAX" if connection.vendor == "sqlite" else "GREATEST"


def _least() -> str:
    return "MIN" if connection.vendor == "sqlite" else "LEAST"


def allowed(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of (conversation, user) pairs, those where the user takes part now: a participant,
    still in the conversation's team, with an active account."""
    found = participants({c for c, _ in pairs}) if pairs else []
    return {(c, u) for c, _team, u, may in found if may} & pairs


def participants(conversation_ids: set[int]) -> list[tuple[int, int, int, bool]]:
    """Each participant of these conversations as (conversation, team, user, takes part now):
    the batch's access check and its audiences in one round trip."""
    if not conversation_ids:
        return []
    ids = sorted(conversation_ids)
    sql = (
        "SELECT p.conversation_id, c.team_id, p.user_id, "
        "CASE WHEN u.is_active AND m.id IS NOT NULL THEN 1 ELSE 0 END "
        f"FROM {_table(Participant)} p "
        f"JOIN {_table(Conversation)} c ON c.id = p.conversation_id "
        f"JOIN {_table(User)} u ON u.id = p.user_id "
        f"LEFT JOIN {_table(Membership)} m ON m.team_id = c.team_id AND m.user_id = p.user_id "
        "AND m.removed_at IS NULL "
        f"WHERE p.conversation_id IN ({_params(len(ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [(int(c), int(t), int(u), bool(may)) for c, t, u, may in cursor.fetchall()]


def _client_id(value: UUID) -> Any:
    return Message._meta.get_field("client_id").get_db_prep_value(value, connection)


def earlier(sends: Iterable[tuple[int, UUID]]) -> dict[tuple[int, UUID], tuple[int, int, datetime]]:
    """Messages already stored for these (sender, client_id) pairs: a retry's original."""
    wanted = set(sends)
    if not wanted:
        return {}
    senders = sorted({s for s, _ in wanted})
    client_ids = sorted({c for _, c in wanted})
    sql = (
        f"SELECT id, sender_id, client_id FROM {_table(Message)} "
        f"WHERE sender_id IN ({_params(len(senders))}) "
        f"AND client_id IN ({_params(len(client_ids))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*senders, *(_client_id(c) for c in client_ids)])
        found = {
            int(pk): (int(sender), UUID(str(client_id)))
            for pk, sender, client_id in cursor.fetchall()
        }
    found = {pk: key for pk, key in found.items() if key in wanted}
    if not found:
        return {}
    # Retries are rare: the ORM reads their details (and converts the time) for them only.
    return {
        found[pk]: (conversation_id, seq, sent_at)
        for pk, conversation_id, seq, sent_at in Message.objects.filter(pk__in=found).values_list(
            "pk", "conversation_id", "seq", "sent_at"
        )
    }


def take_seqs(counts: dict[int, int]) -> dict[int, int]:
    """Add `counts[c]` to each conversation's last_seq; the new last_seq of each.

    The UPDATE locks the rows until commit, so seqs stay gap-free under concurrent writers.
    """
    if not counts:
        return {}
    ids = sorted(counts)
    table = _table(Conversation)
    values = " UNION ALL ".join(["SELECT %s AS id, %s AS n"] * len(ids))
    params = [x for i in ids for x in (i, counts[i])]
    if connection.vendor == "sqlite":
        # SQLite locks the whole database for the write; its RETURNING names the updated
        # table's columns bare.
        sql = (
            f"UPDATE {table} AS c SET last_seq = c.last_seq + v.n FROM ({values}) AS v "
            "WHERE c.id = v.id RETURNING id, last_seq"
        )
    else:
        # One round trip: the CTE locks the rows in id order (a locking CTE is not folded
        # into the UPDATE), so two writers cannot deadlock.
        sql = (
            f"WITH locked AS (SELECT id FROM {table} WHERE id IN ({_params(len(ids))}) "
            "ORDER BY id FOR UPDATE) "
            f"UPDATE {table} AS c SET last_seq = c.last_seq + v.n "
            f"FROM locked JOIN ({values}) AS v ON v.id = locked.id "
            "WHERE c.id = locked.id RETURNING c.id, c.last_seq"
        )
        params = [*ids, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): int(last) for pk, last in cursor.fetchall()}


# (conversation, seq, sender, client_id, body, urgent): one new message for insert_messages.
Row = tuple[int, int, int, UUID, str, bool]


def insert_messages(rows: Sequence[Row], sent_at: datetime) -> None:
    """Store (conversation, seq, sender, client_id, body, urgent) rows; bodies encrypted here."""
    body = Message._meta.get_field("body")
    when = Message._meta.get_field("sent_at").get_db_prep_value(sent_at, connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {_table(Message)} "
            "(conversation_id, seq, sender_id, client_id, body, sent_at, urgent) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    c,
                    seq,
                    sender,
                    _client_id(client_id),
                    body.get_db_prep_value(text, connection),
                    when,
                    urgent,
                )
                for c, seq, sender, client_id, text, urgent in rows
            ],
        )


def mark_own(marks: dict[tuple[int, int], int]) -> None:
    """A sender has received and read their own messages: (conversation, sender) → seq."""
    if not marks:
        return
    most = _greatest()
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {_table(Participant)} SET "
            f"last_delivered_seq = {most}(last_delivered_seq, %s), "
            f"last_read_seq = {most}(last_read_seq, %s) "
            "WHERE conversation_id = %s AND user_id = %s",
            [(seq, seq, c, u) for (c, u), seq in marks.items()],
        )


def move_receipt(
    conversation_id: int, user_id: int, delivered: int | None, read: int | None
) -> tuple[int, int] | None:
    """Move a participant's marks forward, never past the conversation's last message.

    Reading implies having received. Returns the new (delivered, read), or None when
    nothing moved (an old or repeated receipt).
    """
    most, least = _greatest(), _least()
    read_to = read or 0
    delivered_to = max(delivered or 0, read_to)
    last = f"(SELECT last_seq FROM {_table(Conversation)} WHERE id = %s)"
    new_delivered = f"{least}(%s, {last})"
    new_read = f"{least}(%s, {last})"
    sql = (
        f"UPDATE {_table(Participant)} SET "
        f"last_delivered_seq = {most}(last_delivered_seq, {new_delivered}), "
        f"last_read_seq = {most}(last_read_seq, {new_read}) "
        "WHERE conversation_id = %s AND user_id = %s "
        f"AND (last_delivered_seq < {new_delivered} OR last_read_seq < {new_read}) "
        "RETURNING last_delivered_seq, last_read_seq"
    )
    params = [
        delivered_to,
        conversation_id,
        read_to,
        conversation_id,
        conversation_id,
        user_id,
        delivered_to,
        conversation_id,
        read_to,
        conversation_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else None
