"""The writer's batch, straight against the database: `store.write` with the personas.

`direct` is sam and jo; `group` is sam, jo and morgan. alex is a Northside member in
neither; kim leads Riverside, another team. Every answer is decoded so a test can say
what each request in the batch was told, in batch order.
"""

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from ropeteam.conversations import actions
from ropeteam.conversations.live import frames, store
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.notify.events import RopeHolderAdded
from ropeteam.people.events import AccessNarrowed, AvailabilityChanged
from ropeteam.people.models import User
from ropeteam.realtime import outbox
from ropeteam.realtime.events import Audience
from ropeteam.realtime.hub import Hub
from ropeteam.realtime.models import LiveEvent
from ropeteam.realtime.publish import publish
from tests.conftest import World

# The writer commits each batch in its own transaction, so these commit for real on
# PostgreSQL. On SQLite a transactional test cannot be cleaned up (the audit log's append-only
# triggers refuse the flush; see tests/conversations/test_concurrency.py), so there the batch
# runs inside the test's transaction, where its `atomic` is a savepoint: the same statements.
pytestmark = pytest.mark.django_db(transaction=connection.vendor == "postgresql")


@pytest.fixture
def direct(world: World) -> Conversation:
    conversation, _is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk]
    )
    return conversation


@pytest.fixture
def group(world: World) -> Conversation:
    conversation, _is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk, world.morgan.pk]
    )
    return conversation


def send(
    user: User, conversation: Conversation, body: str, client_id: UUID | None = None
) -> store.Work:
    request = frames.Send(conversation=conversation.pk, client_id=client_id or uuid4(), body=body)
    return (user.pk, request)


def receipt(
    user: User, conversation: Conversation, *, delivered: int | None = None, read: int | None = None
) -> store.Work:
    return (user.pk, frames.Receipt(conversation=conversation.pk, delivered=delivered, read=read))


def answers(result: store.Batch) -> list[dict[str, Any] | None]:
    return [json.loads(a) if a is not None else None for a in result.answers]


def stored(conversation: Conversation) -> list[tuple[int, str]]:
    """(seq, body) of every message of the conversation, as the database holds them."""
    return [
        (m.seq, m.body) for m in Message.objects.filter(conversation=conversation).order_by("seq")
    ]


def marks(user: User, conversation: Conversation) -> tuple[int, int]:
    participant = Participant.objects.get(user=user, conversation=conversation)
    return participant.last_delivered_seq, participant.last_read_seq


def test_a_batch_over_two_conversations_numbers_each_without_gaps_in_batch_order(
    world: World, direct: Conversation, group: Conversation
) -> None:
    batch = [
        send(world.sam, direct, "d1"),
        send(world.jo, group, "g1"),
        send(world.jo, direct, "d2"),
        send(world.morgan, group, "g2"),
        send(world.sam, direct, "d3"),
        send(world.sam, group, "g3"),
    ]

    result = store.write(batch)

    acks = answers(result)
    assert [(a["conversation"], a["seq"]) for a in acks if a] == [
        (direct.pk, 1),
        (group.pk, 1),
        (direct.pk, 2),
        (group.pk, 2),
        (direct.pk, 3),
        (group.pk, 3),
    ]
    assert all(a is not None and a["duplicate"] is False for a in acks)
    assert stored(direct) == [(1, "d1"), (2, "d2"), (3, "d3")]
    assert stored(group) == [(1, "g1"), (2, "g2"), (3, "g3")]
    assert Conversation.objects.get(pk=direct.pk).last_seq == 3
    assert Conversation.objects.get(pk=group.pk).last_seq == 3
    # One event per stored message, for the conversation's participants.
    assert [(s.conversation_id, s.seq) for s in result.stored] == [
        (a["conversation"], a["seq"]) for a in acks if a
    ]
    assert result.audiences[direct.pk].user_ids == {world.sam.pk, world.jo.pk}
    # A second batch carries on from where the first stopped.
    again = answers(store.write([send(world.jo, direct, "d4")]))
    assert again[0] is not None and again[0]["seq"] == 4


def test_the_same_client_id_twice_in_a_batch_is_stored_once_and_acked_twice(
    world: World, direct: Conversation
) -> None:
    client_id = uuid4()
    batch = [
        send(world.sam, direct, "Running late", client_id),
        send(world.jo, direct, "No problem"),
        send(world.sam, direct, "Running late, sorry", client_id),
    ]

    first, other, second = answers(store.write(batch))

    assert first is not None and second is not None and other is not None
    assert (first["seq"], first["duplicate"]) == (1, False)
    assert (second["seq"], second["duplicate"]) == (1, True)
    assert second["client_id"] == first["client_id"] == str(client_id)
    assert second["sent_at"] == first["sent_at"]
    assert other["seq"] == 2
    assert stored(direct) == [(1, "Running late"), (2, "No problem")]
    # A later retry (a reconnect) is the same message again.
    (later,) = answers(store.write([send(world.sam, direct, "edited", client_id)]))
    assert later is not None and (later["seq"], later["duplicate"]) == (1, True)
    assert stored(direct) == [(1, "Running late"), (2, "No problem")]


def test_a_client_id_used_in_another_conversation_is_a_conflict_and_the_rest_is_stored(
    world: World, direct: Conversation, group: Conversation
) -> None:
    earlier, in_batch = uuid4(), uuid4()
    store.write([send(world.sam, direct, "first", earlier)])
    batch = [
        send(world.sam, group, "reused from before", earlier),
        send(world.jo, group, "hello"),
        send(world.sam, direct, "new here", in_batch),
        send(world.sam, group, "reused in this batch", in_batch),
        send(world.jo, direct, "bye"),
    ]

    result = answers(store.write(batch))

    assert [a["type"] if a else None for a in result] == [
        "error",
        "ack",
        "ack",
        "error",
        "ack",
    ]
    for index, client_id in ((0, earlier), (3, in_batch)):
        error = result[index]
        assert error is not None
        assert (error["code"], error["field"], error["ref"]) == (
            "conflict",
            "client_id",
            str(client_id),
        )
    assert stored(group) == [(1, "hello")]
    assert stored(direct) == [(1, "first"), (2, "new here"), (3, "bye")]


def test_a_non_participants_send_and_receipt_in_a_batch_are_not_found_and_store_nothing(
    world: World, direct: Conversation
) -> None:
    store.write([send(world.sam, direct, "one")])
    before = marks(world.jo, direct)
    batch = [
        send(world.alex, direct, "let me in"),  # a teammate outside the conversation
        receipt(world.kim, direct, read=1),  # another team
        send(world.sam, direct, "two"),
        send(world.kim, direct, "me too"),
        receipt(world.alex, direct, delivered=1),
    ]

    result = store.write(batch)

    got = answers(result)
    assert got[2] is not None and (got[2]["type"], got[2]["seq"]) == ("ack", 2)
    for index in (0, 1, 3, 4):
        error = got[index]
        assert error is not None
        assert (error["code"], error["field"]) == ("not_found", "conversation")
    assert stored(direct) == [(1, "one"), (2, "two")]
    assert not Participant.objects.filter(
        conversation=direct, user__in=[world.alex, world.kim]
    ).exists()
    assert marks(world.jo, direct) == before
    assert result.moved == []  # nobody is told of a receipt that was refused


def test_receipts_in_a_batch_only_move_marks_forward(world: World, direct: Conversation) -> None:
    store.write([send(world.sam, direct, f"note {i}") for i in range(3)])
    batch = [
        receipt(world.jo, direct, delivered=2),
        receipt(world.jo, direct, delivered=1, read=1),  # delivered goes back: stays 2
        send(world.sam, direct, "note 3"),
        receipt(world.jo, direct, read=10),  # beyond the last seq (4): capped at 4
        receipt(world.jo, direct, read=3, delivered=3),  # back again: changes nothing
    ]

    result = store.write(batch)

    got = answers(result)
    assert got[0] is None and got[1] is None and got[3] is None and got[4] is None
    assert got[2] is not None and got[2]["seq"] == 4
    assert marks(world.jo, direct) == (4, 4)
    assert marks(world.sam, direct) == (4, 4)  # a sender has read their own message
    moved = [json.loads(m.frame) for m in result.moved]
    assert [(m["delivered"], m["read"]) for m in moved] == [(2, 0), (2, 1), (4, 4)]
    assert {m["user"] for m in moved} == {world.jo.pk}


def test_answers_line_up_one_to_one_with_the_requests(
    world: World, direct: Conversation, group: Conversation
) -> None:
    client_id = uuid4()
    batch = [
        send(world.sam, direct, "a", client_id),
        receipt(world.jo, direct, read=1),
        send(world.alex, direct, "not mine"),
        send(world.sam, group, "b", client_id),
        send(world.jo, group, "c"),
        receipt(world.kim, group, read=1),
        send(world.sam, direct, "a again", client_id),
        receipt(world.morgan, group, delivered=1),
    ]

    got = answers(store.write(batch))

    assert len(got) == len(batch)
    summary = [
        None if a is None else (a["type"], a.get("code"), a.get("seq"), a.get("duplicate"))
        for a in got
    ]
    assert summary == [
        ("ack", None, 1, False),
        None,
        ("error", "not_found", None, None),
        ("error", "conflict", None, None),
        ("ack", None, 1, False),
        ("error", "not_found", None, None),
        ("ack", None, 1, True),
        None,
    ]


def test_a_batch_enqueues_one_notification_deadline_with_its_messages(
    world: World, direct: Conversation, group: Conversation
) -> None:
    before = set(DBTaskResult.objects.values_list("id", flat=True))
    store.write([send(world.sam, direct, "one"), send(world.jo, group, "two")])
    (task,) = DBTaskResult.objects.exclude(id__in=before)
    assert task.task_path == "ropeteam.notify.tasks.notify_unread"
    sent = sorted(tuple(m) for m in task.args_kwargs["args"][0])
    assert sent == [(direct.pk, 1, world.sam.pk), (group.pk, 1, world.jo.pk)]


def _rope_event(world: World) -> RopeHolderAdded:
    return RopeHolderAdded(audience=Audience.of(world.northside.pk, [world.jo.pk]), worker=1)


def test_a_process_without_sockets_leaves_its_events_for_the_servers(world: World) -> None:
    assert Hub.running is None  # the test process holds no sockets
    # Setting up the world may have left events of its own (a new rope holder is told).
    start = outbox.last_event_id()
    publish(AvailabilityChanged(user_id=world.jo.pk))
    publish(AccessNarrowed(user_id=world.sam.pk))
    publish(_rope_event(world))
    left = LiveEvent.objects.filter(pk__gt=start).order_by("pk")
    assert list(left.values_list("kind", flat=True)) == [
        "live.availability",
        "live.revoke",
        "live.event",
    ]
    assert outbox.events_after(start)[0][1] == {"type": "live.availability", "user": world.jo.pk}


def test_a_worker_gathers_its_events_and_leaves_them_in_one_go_in_order(world: World) -> None:
    start = outbox.last_event_id()
    with outbox.gathering_events():
        publish(AvailabilityChanged(user_id=world.jo.pk))
        publish(_rope_event(world))
        assert outbox.last_event_id() == start  # nothing written yet: one commit at the end
    left = LiveEvent.objects.filter(pk__gt=start).order_by("pk")
    assert list(left.values_list("kind", flat=True)) == ["live.availability", "live.event"]
    publish(AccessNarrowed(user_id=world.sam.pk))  # outside it, each event is written at once
    assert LiveEvent.objects.filter(pk__gt=start).count() == 3


# --- one bad request fails alone (hazard H7) ----------------------------------------------------


def _refuse() -> None:
    raise RuntimeError("poisoned")


@pytest.fixture(params=["constraint", "any other error"])
def poisoned(request: pytest.FixtureRequest, world: World) -> Iterator[UUID]:
    """A client_id whose message the database refuses, by a trigger: a failure no frame check
    can see (a constraint, a broken disk page, a bug) on one insert of a batch.

    "constraint" is an IntegrityError; "any other error" is SQLite's OperationalError from a
    function the trigger calls, or PostgreSQL's internal_error (XX000).
    """
    client_id = uuid4()
    table = connection.ops.quote_name(Message._meta.db_table)
    stored_id = Message._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    constraint = request.param == "constraint"
    sqlite = connection.vendor == "sqlite"
    # The SQL names the model's table and a UUID made here: nothing comes from outside.
    with connection.cursor() as cursor:
        if sqlite:
            connection.connection.create_function("refuse", 0, _refuse)
            fail = "SELECT RAISE(ABORT, 'poisoned')" if constraint else "SELECT refuse()"
            cursor.execute(
                f"CREATE TRIGGER poisoned BEFORE INSERT ON {table} "
                f"WHEN NEW.client_id = '{stored_id}' BEGIN {fail}; END"
            )
        else:
            code = "23000" if constraint else "XX000"
            cursor.execute(
                "CREATE FUNCTION poisoned() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.client_id = '{client_id}' THEN "
                f"RAISE EXCEPTION 'poisoned' USING ERRCODE = '{code}'; END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER poisoned BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION poisoned()"
            )
    yield client_id
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS poisoned" + ("" if sqlite else f" ON {table}"))
        if not sqlite:
            cursor.execute("DROP FUNCTION IF EXISTS poisoned()")


@pytest.mark.hazard("H7")
def test_a_message_no_database_can_encode_fails_alone_and_the_rest_of_the_batch_is_stored(
    world: World, direct: Conversation, group: Conversation
) -> None:
    # The frame reader refuses this text; here it reaches the writer anyway, as a request
    # the reader could not judge would.
    broken = uuid4()
    batch = [
        send(world.sam, direct, "d1"),
        send(world.jo, group, "half a character \ud800", broken),
        receipt(world.jo, direct, read=1),
        send(world.morgan, group, "g1"),
        send(world.jo, direct, "d2"),
    ]

    result = store.write(batch)

    got = answers(result)
    summary = [None if a is None else (a["type"], a.get("code"), a.get("seq")) for a in got]
    assert summary == [
        ("ack", None, 1),
        ("error", "invalid", None),  # final: the client does not send it again as it is
        None,
        ("ack", None, 1),
        ("ack", None, 2),
    ]
    assert got[1] is not None and got[1]["ref"] == str(broken)
    assert stored(direct) == [(1, "d1"), (2, "d2")]
    assert stored(group) == [(1, "g1")]
    assert Conversation.objects.get(pk=group.pk).last_seq == 1  # no gap where it failed
    # Everyone else's events go out as from a batch that never failed.
    assert [(s.conversation_id, s.seq) for s in result.stored] == [
        (direct.pk, 1),
        (group.pk, 1),
        (direct.pk, 2),
    ]
    assert [json.loads(m.frame)["read"] for m in result.moved] == [1]
    assert set(result.audiences) == {direct.pk, group.pk}


@pytest.mark.hazard("H7")
def test_a_member_the_database_refuses_fails_alone_and_every_other_member_is_acked(
    world: World,
    direct: Conversation,
    group: Conversation,
    poisoned: UUID,
    caplog: pytest.LogCaptureFixture,
) -> None:
    people = [world.sam, world.jo, world.morgan]
    batch = [send(people[i % 3], group, f"g{i}") for i in range(10)]
    batch.insert(4, send(world.sam, direct, "refused", poisoned))
    batch.append(send(world.jo, direct, "after"))

    result = store.write(batch)

    got = answers(result)
    assert len(got) == len(batch)
    refused = got.pop(4)
    assert refused is not None
    assert (refused["code"], refused["ref"]) == ("unavailable", str(poisoned))
    assert all(a is not None and a["type"] == "ack" for a in got)
    assert [a["seq"] for a in got if a] == [*range(1, 11), 1]
    assert stored(group) == [(i + 1, f"g{i}") for i in range(10)]
    assert stored(direct) == [(1, "after")]
    assert len(result.stored) == 11
    assert "one by one" in caplog.text
    # The next batch, without it, takes the fast path again.
    caplog.clear()
    again = answers(store.write([send(world.sam, direct, "next")]))
    assert again[0] is not None and again[0]["seq"] == 2
    assert "one by one" not in caplog.text


def test_an_urgent_send_is_stored_urgent_and_announced_so(
    world: World, direct: Conversation
) -> None:
    urgent = (world.sam.pk, frames.Send(direct.pk, uuid4(), "Call me now", urgent=True))

    result = store.write([send(world.sam, direct, "Hello"), urgent])

    assert [json.loads(s.frame)["urgent"] for s in result.stored] == [False, True]
    assert list(
        Message.objects.filter(conversation=direct).order_by("seq").values_list("urgent", flat=True)
    ) == [False, True]
