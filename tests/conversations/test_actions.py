"""The conversation contract at the level of actions and queries.

A message is stored with the next gap-free seq of its conversation; a retry with the same
(sender, client_id) returns the stored message and stores nothing; receipts only move forward.
"""

from uuid import uuid4

import pytest
from django.db import connection

from ropeteam.conversations import actions, queries
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.core.text import text_refusal
from ropeteam.people import actions as people
from ropeteam.people.models import Membership, User
from tests.api.conftest import audit_entries, database_contains
from tests.conftest import World
from tests.conversations.conftest import send, seqs


def _marks(conversation: Conversation, user: User) -> tuple[int, int]:
    participant = Participant.objects.get(conversation=conversation, user=user)
    return participant.last_delivered_seq, participant.last_read_seq


def _participant(conversation: Conversation, user: User) -> Participant:
    return Participant.objects.get(conversation=conversation, user=user)


def _last_seq(conversation: Conversation) -> int:
    return Conversation.objects.get(pk=conversation.pk).last_seq


# --- seq ----------------------------------------------------------------------------------


def test_seq_starts_at_one_and_counts_up_without_gaps_over_many_sends(
    world: World, group: Conversation
) -> None:
    senders = [world.sam, world.jo, world.morgan]

    acked = [send(senders[i % 3], group, f"Message {i}").seq for i in range(40)]

    assert acked == list(range(1, 41))
    assert seqs(group) == list(range(1, 41))
    assert _last_seq(group) == 40
    # Seq belongs to the conversation: another one starts again at 1.
    other, _new = actions.start_conversation(
        actor=world.alex, team=world.northside, member_ids=[world.sam.pk]
    )
    assert send(world.alex, other, "Hello").seq == 1


def test_a_message_is_stored_trimmed_with_its_sender_and_seq(
    world: World, direct: Conversation
) -> None:
    client_id = uuid4()

    sent = actions.send_message(
        actor=world.sam, conversation=direct, client_id=client_id, body="  On my way.\n"
    )

    assert sent.is_new
    stored = Message.objects.get(conversation=direct)
    assert (stored.pk, stored.seq, stored.sender, stored.client_id, stored.body) == (
        sent.message.pk,
        1,
        world.sam,
        client_id,
        "On my way.",
    )
    # The caller's conversation object knows its new last seq too.
    assert direct.last_seq == 1


# --- retries ------------------------------------------------------------------------------


def test_a_retry_with_the_same_client_id_returns_the_original_message_and_stores_nothing(
    world: World, direct: Conversation
) -> None:
    client_id = uuid4()
    first = actions.send_message(
        actor=world.sam, conversation=direct, client_id=client_id, body="Are you free at 3?"
    )
    send(world.jo, direct, "Yes.")

    retry = actions.send_message(
        actor=world.sam, conversation=direct, client_id=client_id, body="Are you free at 4?"
    )

    assert (first.is_new, retry.is_new) == (True, False)
    assert (retry.message.pk, retry.message.seq, retry.message.sent_at) == (
        first.message.pk,
        1,
        first.message.sent_at,
    )
    assert retry.message.body == "Are you free at 3?"
    assert seqs(direct) == [1, 2]
    assert _last_seq(direct) == 2
    assert Message.objects.get(seq=1, conversation=direct).body == "Are you free at 3?"
    assert database_contains("Are you free at 4?") == []


def test_the_same_client_id_from_the_same_sender_in_another_conversation_is_a_conflict(
    world: World, direct: Conversation, group: Conversation
) -> None:
    client_id = uuid4()
    send(world.sam, direct, "For jo.", client_id)

    with pytest.raises(Conflict) as error:
        send(world.sam, group, "For the group.", client_id)

    assert error.value.message == "This client_id was already used for another conversation."
    assert error.value.field == "client_id"
    assert seqs(group) == []
    assert _last_seq(group) == 0
    assert seqs(direct) == [1]


def test_different_senders_may_use_the_same_client_id(world: World, group: Conversation) -> None:
    client_id = uuid4()

    sams = actions.send_message(actor=world.sam, conversation=group, client_id=client_id, body="A")
    jos = actions.send_message(actor=world.jo, conversation=group, client_id=client_id, body="B")

    assert (sams.is_new, jos.is_new) == (True, True)
    assert [
        (m.seq, m.sender, m.body) for m in queries.messages_after(group, after=0, limit=10)
    ] == [
        (1, world.sam, "A"),
        (2, world.jo, "B"),
    ]


# --- bodies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something to send."),
        (" \n\t ", "Write something to send."),
        ("x" * 4001, "A message can be at most 4000 characters."),
    ],
    ids=["empty", "whitespace", "too long"],
)
def test_an_empty_or_overlong_message_is_refused_and_nothing_is_stored(
    world: World, direct: Conversation, body: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        send(world.sam, direct, body)

    assert (error.value.message, error.value.field) == (message, "body")
    assert seqs(direct) == []
    assert _marks(direct, world.sam) == (0, 0)


def test_a_message_of_exactly_the_limit_is_accepted(world: World, direct: Conversation) -> None:
    assert send(world.sam, direct, "x" * 4000).body == "x" * 4000


@pytest.mark.parametrize("body", ["a\x00b", "half \ud800", "\udc00"], ids=["NUL", "high", "low"])
def test_text_no_database_can_store_is_refused_by_the_action_whatever_called_it(
    world: World, direct: Conversation, body: str
) -> None:
    # The web form and the API reach the same action; the socket's frame reader uses the
    # same check (ropeteam.core.text) and says the same.
    with pytest.raises(InvalidInput) as error:
        send(world.sam, direct, body)

    assert (error.value.message, error.value.field) == (text_refusal(body), "body")
    assert seqs(direct) == []


def test_a_character_beyond_the_basic_plane_is_stored_whole(
    world: World, direct: Conversation
) -> None:
    assert send(world.sam, direct, "On my way \U0001f697").body == "On my way 🚗"


def test_someone_outside_the_conversation_cannot_send_to_it(
    world: World, direct: Conversation
) -> None:
    with pytest.raises(NotFound) as error:
        send(world.alex, direct, "Can I join?")

    assert error.value.message == "No such conversation."
    assert seqs(direct) == []


def test_message_bodies_are_encrypted_at_rest(world: World, direct: Conversation) -> None:
    secret = "Meet at the bus station, the usual bench."
    send(world.sam, direct, secret)

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM conversations_message")
        stored = [row[0] for row in cursor.fetchall()]

    assert len(stored) == 1
    assert stored[0].startswith("v1:")
    assert secret not in stored[0]
    assert "bus station" not in stored[0]
    assert database_contains("bus station") == []
    # ...and it reads back as written.
    assert Message.objects.get(conversation=direct).body == secret


# --- catching up --------------------------------------------------------------------------


def test_messages_after_returns_only_later_messages_in_order_up_to_the_limit(
    world: World, direct: Conversation
) -> None:
    for i in range(1, 6):
        send(world.sam if i % 2 else world.jo, direct, f"Message {i}")

    def page(after: int, limit: int) -> list[tuple[int, str]]:
        return [(m.seq, m.body) for m in queries.messages_after(direct, after=after, limit=limit)]

    assert page(2, 100) == [(3, "Message 3"), (4, "Message 4"), (5, "Message 5")]
    assert page(2, 2) == [(3, "Message 3"), (4, "Message 4")]
    assert page(0, 1) == [(1, "Message 1")]
    assert page(5, 100) == []
    assert page(99, 100) == []


def test_messages_after_never_shows_another_conversations_messages(
    world: World, direct: Conversation, group: Conversation
) -> None:
    send(world.sam, direct, "Just for jo.")
    send(world.sam, group, "For everyone.")

    assert [m.body for m in queries.messages_after(group, after=0, limit=100)] == ["For everyone."]


# --- receipts -----------------------------------------------------------------------------


@pytest.fixture
def three_messages(world: World, direct: Conversation) -> Conversation:
    for body in ["One.", "Two.", "Three."]:
        send(world.sam, direct, body)
    return direct


def _mark(
    world: World, conversation: Conversation, delivered: int | None = None, read: int | None = None
) -> tuple[int, int]:
    returned = actions.mark_receipt(
        actor=world.jo,
        participant=_participant(conversation, world.jo),
        delivered=delivered,
        read=read,
    )
    stored = _marks(conversation, world.jo)
    assert (returned.last_delivered_seq, returned.last_read_seq) == stored
    return stored


def test_receipts_only_move_forward(world: World, three_messages: Conversation) -> None:
    assert _mark(world, three_messages, delivered=2) == (2, 0)
    assert _mark(world, three_messages, delivered=1) == (2, 0)
    assert _mark(world, three_messages, read=2) == (2, 2)
    assert _mark(world, three_messages, read=1, delivered=0) == (2, 2)
    assert _mark(world, three_messages, delivered=3) == (3, 2)
    assert _mark(world, three_messages) == (3, 2)


def test_receipts_never_pass_the_last_message(world: World, three_messages: Conversation) -> None:
    assert _mark(world, three_messages, delivered=99) == (3, 0)
    assert _mark(world, three_messages, read=2**63 - 1) == (3, 3)
    # A later message is unread and undelivered until jo says otherwise.
    send(world.sam, three_messages, "Four.")
    assert _marks(three_messages, world.jo) == (3, 3)


def test_reading_implies_delivery(world: World, three_messages: Conversation) -> None:
    assert _mark(world, three_messages, read=2) == (2, 2)
    assert _mark(world, three_messages, read=3, delivered=1) == (3, 3)


def test_the_senders_own_marks_advance_to_their_message(world: World, group: Conversation) -> None:
    send(world.sam, group, "One.")
    send(world.sam, group, "Two.")

    assert _marks(group, world.sam) == (2, 2)
    assert _marks(group, world.jo) == (0, 0)

    send(world.jo, group, "Three.")

    assert _marks(group, world.jo) == (3, 3)
    assert _marks(group, world.sam) == (2, 2)
    assert _marks(group, world.morgan) == (0, 0)


def test_a_retry_does_not_move_the_senders_marks(world: World, direct: Conversation) -> None:
    client_id = uuid4()
    send(world.sam, direct, "One.", client_id)
    send(world.jo, direct, "Two.")

    send(world.sam, direct, "One.", client_id)

    assert _marks(direct, world.sam) == (1, 1)


# --- listing ------------------------------------------------------------------------------


def test_the_list_shows_unread_counts_and_everyones_marks(
    world: World, direct: Conversation, group: Conversation
) -> None:
    for body in ["One.", "Two.", "Three."]:
        send(world.sam, direct, body)
    _mark(world, direct, read=1)

    listed = {o.conversation.pk: o for o in queries.list_conversations(world.jo)}

    assert set(listed) == {direct.pk, group.pk}
    assert listed[direct.pk].unread == 2
    assert listed[group.pk].unread == 0
    assert {
        p.user.username: (p.last_delivered_seq, p.last_read_seq)
        for p in listed[direct.pk].participants
    } == {"sam": (3, 3), "jo": (1, 1)}
    assert [o.conversation.pk for o in queries.list_conversations(world.alex)] == []


def test_the_conversation_with_the_newest_message_is_listed_first(
    world: World, direct: Conversation, group: Conversation
) -> None:
    for i in range(5):
        send(world.sam, direct, f"Old {i}.")
    send(world.jo, group, "Newer.")
    empty, _new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.alex.pk]
    )

    def order() -> list[int]:
        return [o.conversation.pk for o in queries.list_conversations(world.sam)]

    # A conversation nobody has written in yet counts from when it was started.
    assert order() == [empty.pk, group.pk, direct.pk]
    send(world.jo, direct, "Newest.")
    assert order() == [direct.pk, empty.pk, group.pk]


# --- starting -----------------------------------------------------------------------------


def test_two_people_share_one_direct_conversation_whoever_starts_it(
    world: World, direct: Conversation
) -> None:
    again, again_is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk, world.sam.pk]
    )
    reverse, reverse_is_new = actions.start_conversation(
        actor=world.jo, team=world.northside, member_ids=[world.sam.pk]
    )

    assert (again.pk, again_is_new) == (direct.pk, False)
    assert (reverse.pk, reverse_is_new) == (direct.pk, False)
    assert Conversation.objects.count() == 1
    assert len(audit_entries("conversation.started")) == 1


def test_a_direct_conversation_is_not_reused_for_another_pair(
    world: World, direct: Conversation
) -> None:
    other, is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.morgan.pk]
    )

    assert is_new
    assert other.pk != direct.pk
    assert sorted(p.user.username for p in queries.participants(other)) == ["morgan", "sam"]


def test_three_or_more_people_make_a_group(world: World) -> None:
    conversation, is_new = actions.start_conversation(
        actor=world.priya,
        team=world.northside,
        member_ids=[world.sam.pk, world.jo.pk, world.jo.pk],
    )

    assert is_new
    assert (conversation.kind, conversation.team, conversation.created_by) == (
        "group",
        world.northside,
        world.priya,
    )
    assert [p.user for p in queries.participants(conversation)] == sorted(
        [world.priya, world.sam, world.jo], key=lambda u: u.pk
    )
    assert all(
        (p.last_delivered_seq, p.last_read_seq) == (0, 0)
        for p in queries.participants(conversation)
    )


def test_starting_a_conversation_is_audited(world: World) -> None:
    conversation, _new = actions.start_conversation(
        actor=world.priya, team=world.northside, member_ids=[world.sam.pk, world.jo.pk]
    )

    [entry] = audit_entries("conversation.started")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.team_id, entry.data) == (
        world.priya.pk,
        "conversations.conversation",
        str(conversation.pk),
        world.northside.pk,
        {"participants": sorted([world.priya.pk, world.sam.pk, world.jo.pk])},
    )


@pytest.mark.parametrize(
    ("members", "message"),
    [
        (["kim"], "Everyone in a conversation must be in the team."),
        (["jo", "lee"], "Everyone in a conversation must be in the team."),
        (["admin"], "Everyone in a conversation must be in the team."),
        ([], "Choose at least one colleague."),
        (["sam"], "Choose at least one colleague."),
    ],
    ids=["another team", "one of them in another team", "org admin", "nobody", "only myself"],
)
def test_a_conversation_with_nobody_or_with_people_outside_the_team_is_refused(
    world: World, members: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.start_conversation(
            actor=world.sam,
            team=world.northside,
            member_ids=[getattr(world, m).pk for m in members],
        )

    assert (error.value.message, error.value.field) == (message, "member_ids")
    assert Conversation.objects.count() == 0
    assert audit_entries("conversation.started") == []


def test_a_removed_member_cannot_be_put_in_a_conversation(world: World) -> None:
    membership = Membership.objects.get(team=world.northside, user=world.jo)
    people.remove_member(actor=world.priya, membership=membership)

    with pytest.raises(InvalidInput):
        actions.start_conversation(actor=world.sam, team=world.northside, member_ids=[world.jo.pk])
    assert Conversation.objects.count() == 0


def test_a_conversation_has_at_most_fifty_colleagues(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.start_conversation(
            actor=world.sam, team=world.northside, member_ids=list(range(1000, 1051))
        )

    assert error.value.message == "At most 50 people in one conversation."
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize("outsider", ["kim", "lee"])
def test_someone_from_another_team_cannot_start_a_conversation_there(
    world: World, outsider: str
) -> None:
    with pytest.raises((Forbidden, NotFound)):
        actions.start_conversation(
            actor=getattr(world, outsider), team=world.northside, member_ids=[world.sam.pk]
        )

    assert Conversation.objects.count() == 0
    assert audit_entries("conversation.started") == []


def test_the_org_admin_cannot_start_a_conversation_in_a_team_they_are_not_in(
    world: World,
) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.start_conversation(
            actor=world.admin, team=world.northside, member_ids=[world.sam.pk, world.jo.pk]
        )

    assert error.value.message == "Everyone in a conversation must be in the team."
    assert Conversation.objects.count() == 0
