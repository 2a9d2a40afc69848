"""Many senders at once: seq stays gap-free and a retry never makes a second message.

These need real threads with their own database connections, committing for real, so they
are transactional tests. They run on PostgreSQL only, which CI always runs:
- the SQLite test database is in memory with a shared cache, where a second writer fails at
  once with "database table is locked" instead of waiting as it does on a real file;
- a transactional test is cleaned up by deleting every row, which the audit log's
  append-only triggers refuse on SQLite (PostgreSQL's flush truncates, which they allow).
test_concurrency_sqlite.py covers SQLite with a real file, in a child process.
"""

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest
from django.db import connection

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message
from ropeteam.core.errors import Conflict
from ropeteam.people.models import Team, User
from tests.conftest import World
from tests.conversations.conftest import seqs
from tests.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "PostgreSQL only (CI runs it): on the in-memory SQLite test database concurrent "
            "writers fail with 'database table is locked' and the audit triggers refuse the "
            "flush after a transactional test; test_concurrency_sqlite.py covers SQLite"
        ),
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
SENDS = 25


def _everyone(world: World) -> list[User]:
    return [world.priya, world.morgan, world.sam, world.jo, world.alex, world.dee]


@pytest.fixture
def team_room(world: World) -> Conversation:
    """A group conversation with the whole of Northside in it."""
    conversation, _new = actions.start_conversation(
        actor=world.priya,
        team=world.northside,
        member_ids=[u.pk for u in _everyone(world)],
    )
    return conversation


def test_concurrent_senders_get_seqs_one_to_two_hundred_without_gaps_or_duplicates(
    world: World, team_room: Conversation
) -> None:
    senders = _everyone(world)

    def sender(n: int) -> Callable[[], list[int]]:
        def send_all() -> list[int]:
            # Fresh objects per thread: nothing in memory is shared between the senders.
            me = User.objects.get(pk=senders[n % len(senders)].pk)
            room = Conversation.objects.get(pk=team_room.pk)
            return [
                actions.send_message(
                    actor=me, conversation=room, client_id=uuid4(), body=f"{n}:{i}"
                ).message.seq
                for i in range(SENDS)
            ]

        return send_all

    acked = run_together([sender(n) for n in range(THREADS)])

    total = THREADS * SENDS
    assert len(acked) == THREADS
    # Each sender saw its own messages numbered in the order it sent them...
    assert all(mine == sorted(mine) for mine in acked)
    # ...and together they got every seq exactly once.
    assert sorted(s for mine in acked for s in mine) == list(range(1, total + 1))
    assert seqs(team_room) == list(range(1, total + 1))
    assert Conversation.objects.get(pk=team_room.pk).last_seq == total
    # Every acknowledged message is there, with the seq it was acknowledged with.
    stored = {m.body: m.seq for m in Message.objects.filter(conversation=team_room)}
    assert len(stored) == total
    for n, mine in enumerate(acked):
        assert [stored[f"{n}:{i}"] for i in range(SENDS)] == mine


def test_the_same_retries_from_two_threads_at_once_store_each_message_once(
    world: World, team_room: Conversation
) -> None:
    client_ids = [uuid4() for _ in range(SENDS * 2)]

    def device(order: list[UUID]) -> Callable[[], dict[UUID, tuple[int, bool]]]:
        def resend() -> dict[UUID, tuple[int, bool]]:
            sam = User.objects.get(pk=world.sam.pk)
            room = Conversation.objects.get(pk=team_room.pk)
            acks = {}
            for client_id in order:
                sent = actions.send_message(
                    actor=sam, conversation=room, client_id=client_id, body=str(client_id)
                )
                acks[client_id] = (sent.message.seq, sent.is_new)
            return acks

        return resend

    # Two tabs of the same device flush the same outbox, one of them backwards, plus two more
    # in the same order, so both "same moment" and "already stored" retries happen.
    first, second, third, fourth = run_together(
        [
            device(client_ids),
            device(client_ids[::-1]),
            device(client_ids),
            device(client_ids),
        ]
    )

    assert Message.objects.filter(conversation=team_room).count() == len(client_ids)
    assert seqs(team_room) == list(range(1, len(client_ids) + 1))
    for client_id in client_ids:
        answers = [acks[client_id] for acks in (first, second, third, fourth)]
        # Every device was told the same seq, and exactly one of them stored the message.
        assert len({seq for seq, _new in answers}) == 1
        assert sum(is_new for _seq, is_new in answers) == 1
        stored = Message.objects.get(sender=world.sam, client_id=client_id)
        assert (stored.seq, stored.body) == (answers[0][0], str(client_id))


def test_one_client_id_sent_to_two_conversations_at_once_is_stored_once(
    world: World, team_room: Conversation
) -> None:
    other, _new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk]
    )
    rooms = [team_room.pk, other.pk]
    client_ids = [uuid4() for _ in range(20)]

    def device(room_id: int) -> Callable[[], list[str]]:
        def send_all() -> list[str]:
            sam = User.objects.get(pk=world.sam.pk)
            room = Conversation.objects.get(pk=room_id)
            outcomes = []
            for client_id in client_ids:
                try:
                    actions.send_message(
                        actor=sam, conversation=room, client_id=client_id, body="Which room?"
                    )
                    outcomes.append("stored")
                except Conflict as error:
                    assert error.field == "client_id"
                    outcomes.append("conflict")
            return outcomes

        return send_all

    here, there = run_together([device(room) for room in rooms])

    # For each client_id one conversation has it and the other was told it clashes.
    assert all({a, b} == {"stored", "conflict"} for a, b in zip(here, there, strict=True))
    assert Message.objects.filter(sender=world.sam).count() == len(client_ids)
    for room in rooms:
        count = Message.objects.filter(conversation_id=room).count()
        assert seqs(Conversation.objects.get(pk=room)) == list(range(1, count + 1))


def test_two_people_starting_the_same_direct_conversation_at_once_get_one(
    world: World,
) -> None:
    def start(me: User, them: User) -> Callable[[], int]:
        def go() -> int:
            team = Team.objects.get(pk=world.northside.pk)
            conversation, _new = actions.start_conversation(
                actor=User.objects.get(pk=me.pk), team=team, member_ids=[them.pk]
            )
            return conversation.pk

        return go

    started = run_together(
        [start(world.sam, world.jo), start(world.jo, world.sam)] * 3,
    )

    assert len(set(started)) == 1
    assert Conversation.objects.filter(kind="direct").count() == 1
