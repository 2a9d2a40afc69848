"""Conversations over HTTP: acknowledged sends, catching up, receipts, and the 404 wall."""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.core.text import half_character
from ropeteam.people import actions as people
from ropeteam.people.models import Membership
from tests.api.conftest import Api, audit_entries, database_contains
from tests.conftest import World, audit_count
from tests.conversations.conftest import send, seqs

MISSING = 987_654_321
NO_SUCH_CONVERSATION = {"detail": "No such conversation."}


def _state() -> tuple[object, ...]:
    """Everything about conversations a request might wrongly change, to compare before/after."""
    return (
        sorted(Conversation.objects.values_list("pk", "kind", "last_seq")),
        sorted(
            Participant.objects.values_list(
                "conversation_id", "user_id", "last_delivered_seq", "last_read_seq"
            )
        ),
        sorted(Message.objects.values_list("conversation_id", "seq", "sender_id", "client_id")),
        audit_count(),
    )


def _ack(response: Any) -> tuple[int, str, int]:
    body = response.json()
    assert set(body) == {"client_id", "seq", "sent_at"}
    datetime.fromisoformat(body["sent_at"])
    return response.status_code, body["client_id"], body["seq"]


# --- starting -----------------------------------------------------------------------------


def test_starting_a_direct_conversation_gives_201_then_200_for_the_same_pair(
    world: World, api: Callable[[str], Api]
) -> None:
    body = {"team_id": world.northside.pk, "member_ids": [world.jo.pk]}

    first = api("sam").post("/conversations", body)
    again = api("jo").post("/conversations", {**body, "member_ids": [world.sam.pk]})

    assert first.status_code == 201
    started = first.json()
    conversation = Conversation.objects.get()
    assert started == {
        "id": conversation.pk,
        "team_id": world.northside.pk,
        "kind": "direct",
        "last_seq": 0,
        "unread": 0,
        "participants": [
            {
                "id": u.pk,
                "name": u.display_name,
                "last_delivered_seq": 0,
                "last_read_seq": 0,
                "in_team": True,
            }
            for u in sorted([world.sam, world.jo], key=lambda u: u.pk)
        ],
    }
    assert again.status_code == 200
    assert again.json() == started
    assert len(audit_entries("conversation.started")) == 1


def test_starting_a_group_conversation_gives_201_with_everyone_in_it(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").post(
        "/conversations",
        {"team_id": world.northside.pk, "member_ids": [world.sam.pk, world.jo.pk]},
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "group"
    assert [p["id"] for p in response.json()["participants"]] == sorted(
        [world.priya.pk, world.sam.pk, world.jo.pk]
    )
    assert Conversation.objects.get().kind == "group"


def test_going_back_to_a_direct_conversation_shows_what_is_unread_in_it(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    send(world.sam, direct, "One.")
    send(world.sam, direct, "Two.")

    response = api("jo").post(
        "/conversations", {"team_id": world.northside.pk, "member_ids": [world.sam.pk]}
    )

    assert response.status_code == 200
    assert (response.json()["last_seq"], response.json()["unread"]) == (2, 2)
    assert response.json() == api("jo").get("/conversations").json()[0]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"member_ids": ["lee"]},
            400,
            {"detail": "Everyone in a conversation must be in the team.", "field": "member_ids"},
        ),
        (
            {"member_ids": ["jo", "kim"]},
            400,
            {"detail": "Everyone in a conversation must be in the team.", "field": "member_ids"},
        ),
        (
            {"member_ids": [MISSING]},
            400,
            {"detail": "Everyone in a conversation must be in the team.", "field": "member_ids"},
        ),
        (
            {"member_ids": ["sam"]},
            400,
            {"detail": "Choose at least one colleague.", "field": "member_ids"},
        ),
        ({"team_id": "riverside", "member_ids": ["jo"]}, 404, {"detail": "No such team."}),
        ({"team_id": MISSING, "member_ids": ["jo"]}, 404, {"detail": "No such team."}),
    ],
    ids=["another team", "one from another team", "nobody", "only myself", "their team", "none"],
)
def test_a_conversation_with_people_outside_the_team_is_refused_saying_why(
    world: World,
    api: Callable[[str], Api],
    body: dict[str, Any],
    status: int,
    error: dict[str, str],
) -> None:
    def pk(name: Any) -> Any:
        return getattr(world, name).pk if isinstance(name, str) else name

    team = body.get("team_id", "northside")
    payload = {"team_id": pk(team), "member_ids": [pk(m) for m in body["member_ids"]]}
    sam = api("sam")
    before = _state()

    response = sam.post("/conversations", payload)

    assert response.status_code == status
    assert response.json() == error
    assert _state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"member_ids": []}, "member_ids"),
        ({"member_ids": [0]}, "member_ids.0"),
        ({"member_ids": "jo"}, "member_ids"),
        ({"team_id": -1}, "team_id"),
        ({"team_id": None}, "team_id"),
        ({}, "member_ids"),
    ],
    ids=["no members", "id zero", "not a list", "negative team", "no team id", "no members key"],
)
def test_a_conversation_body_that_does_not_fit_the_schema_gets_422(
    world: World, api: Callable[[str], Api], body: dict[str, Any], field: str
) -> None:
    payload = {"team_id": world.northside.pk, **body}
    if not body:
        payload = {"team_id": world.northside.pk}
    sam = api("sam")
    before = _state()

    response = sam.post("/conversations", payload)

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    assert _state() == before


def test_an_org_admin_cannot_start_a_conversation_in_a_team_they_are_not_in(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("admin").post(
        "/conversations",
        {"team_id": world.northside.pk, "member_ids": [world.sam.pk, world.jo.pk]},
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Everyone in a conversation must be in the team.",
        "field": "member_ids",
    }
    assert Conversation.objects.count() == 0


# --- listing ------------------------------------------------------------------------------


def test_my_conversations_show_unread_and_how_far_my_rope_holder_has_read(
    world: World, api: Callable[[str], Api], direct: Conversation, group: Conversation
) -> None:
    for body in ["Going in now.", "Door's open.", "All fine."]:
        send(world.sam, direct, body)
    send(world.morgan, group, "Team lunch?")

    read = api("jo").post(f"/conversations/{direct.pk}/receipts", {"read": 2})
    sams = api("sam").get("/conversations")
    jos = api("jo").get("/conversations")

    assert read.status_code == 200
    assert sams.status_code == jos.status_code == 200
    people_in_direct = sorted([world.sam, world.jo], key=lambda u: u.pk)
    marks = {world.sam.pk: (3, 3), world.jo.pk: (2, 2)}
    direct_listed = {
        "id": direct.pk,
        "team_id": world.northside.pk,
        "kind": "direct",
        "last_seq": 3,
        "participants": [
            {
                "id": u.pk,
                "name": u.display_name,
                "last_delivered_seq": marks[u.pk][0],
                "last_read_seq": marks[u.pk][1],
                "in_team": True,
            }
            for u in people_in_direct
        ],
    }
    # The group has the newest message; sam has read all of the direct one and none of it.
    assert [
        (c["id"], c["team_id"], c["kind"], c["last_seq"], c["unread"]) for c in sams.json()
    ] == [
        (group.pk, world.northside.pk, "group", 1, 1),
        (direct.pk, world.northside.pk, "direct", 3, 0),
    ]
    assert sams.json()[1] == {**direct_listed, "unread": 0}
    # "Has my rope holder seen this?": jo has read up to seq 2 of sam's three messages.
    assert jos.json()[1] == {**direct_listed, "unread": 1}
    group_marks = {p["id"]: p["last_read_seq"] for p in sams.json()[0]["participants"]}
    assert group_marks == {world.sam.pk: 0, world.jo.pk: 0, world.morgan.pk: 1}


def test_listing_conversations_takes_the_same_number_of_queries_however_many_there_are(
    world: World, api: Callable[[str], Api]
) -> None:
    sam = api("sam")

    def listing_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = sam.get("/conversations")
        assert response.status_code == 200
        return len(captured.captured_queries)

    start_one(world, [world.jo])
    listing_queries()  # the token's use is recorded, at most once a minute
    one = listing_queries()
    for others in [[world.morgan], [world.alex], [world.jo, world.alex], [world.priya, world.dee]]:
        send(world.sam, start_one(world, others), "Hello.")
    five = listing_queries()

    assert len(sam.get("/conversations").json()) == 5
    assert five == one


def start_one(world: World, others: list[Any]) -> Conversation:
    conversation, _new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[u.pk for u in others]
    )
    return conversation


def test_people_not_in_a_conversation_do_not_see_it_listed(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    send(world.sam, direct, "Just us.")

    for outsider in ["alex", "priya", "kim", "admin"]:
        response = api(outsider).get("/conversations")
        assert (outsider, response.status_code, response.json()) == (outsider, 200, [])


# --- sending ------------------------------------------------------------------------------


def test_sending_a_message_is_acknowledged_with_its_seq_and_can_be_read_back(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    client_id = str(uuid4())

    response = api("sam").post(
        f"/conversations/{direct.pk}/messages", {"client_id": client_id, "body": " On my way. "}
    )

    assert _ack(response) == (201, client_id, 1)
    stored = Message.objects.get(conversation=direct)
    assert (str(stored.client_id), stored.seq, stored.sender, stored.body) == (
        client_id,
        1,
        world.sam,
        "On my way.",
    )
    assert datetime.fromisoformat(response.json()["sent_at"]) == stored.sent_at.replace(
        microsecond=stored.sent_at.microsecond // 1000 * 1000
    )
    listed = api("jo").get(f"/conversations/{direct.pk}/messages")
    assert listed.status_code == 200
    assert listed.json() == [
        {
            "seq": 1,
            "client_id": client_id,
            "sender_id": world.sam.pk,
            "body": "On my way.",
            "sent_at": response.json()["sent_at"],
            "urgent": False,
        }
    ]


def test_a_retried_send_gets_200_with_the_original_acknowledgement_and_stores_nothing(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    client_id = str(uuid4())
    sam = api("sam")
    first = sam.post(
        f"/conversations/{direct.pk}/messages", {"client_id": client_id, "body": "Call me."}
    )
    send(world.jo, direct, "Calling.")

    retry = sam.post(
        f"/conversations/{direct.pk}/messages", {"client_id": client_id, "body": "Call me!!"}
    )

    assert first.status_code == 201
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert seqs(direct) == [1, 2]
    assert database_contains("Call me!!") == []


def test_a_client_id_reused_in_another_conversation_gets_409(
    world: World, api: Callable[[str], Api], direct: Conversation, group: Conversation
) -> None:
    client_id = str(uuid4())
    sam = api("sam")
    sam.post(f"/conversations/{direct.pk}/messages", {"client_id": client_id, "body": "A"})
    before = _state()

    response = sam.post(
        f"/conversations/{group.pk}/messages", {"client_id": client_id, "body": "B"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This client_id was already used for another conversation.",
        "field": "client_id",
    }
    assert _state() == before


def test_each_message_is_acknowledged_with_the_next_seq(
    world: World, api: Callable[[str], Api], group: Conversation
) -> None:
    clients = {name: api(name) for name in ["sam", "jo", "morgan"]}

    acks = [
        clients[name].post(
            f"/conversations/{group.pk}/messages", {"client_id": str(uuid4()), "body": f"{i}"}
        )
        for i, name in enumerate(["sam", "jo", "morgan", "jo", "sam"])
    ]

    assert [(a.status_code, a.json()["seq"]) for a in acks] == [(201, s) for s in range(1, 6)]
    assert seqs(group) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "Hello"}, "client_id"),
        ({"client_id": "not-a-uuid", "body": "Hello"}, "client_id"),
        ({"client_id": 12345, "body": "Hello"}, "client_id"),
        ({"client_id": None, "body": "Hello"}, "client_id"),
        ({"client_id": "{uuid}"}, "body"),
        ({"client_id": "{uuid}", "body": ""}, "body"),
        ({"client_id": "{uuid}", "body": None}, "body"),
        ({"client_id": "{uuid}", "body": "x" * 4001}, "body"),
        ({"client_id": "{uuid}", "body": "Hi\x00there"}, "body"),
    ],
    ids=[
        "no client_id",
        "client_id not a uuid",
        "client_id a number",
        "client_id null",
        "no body",
        "empty body",
        "null body",
        "body over 4000 characters",
        "body with NUL",
    ],
)
def test_a_message_that_does_not_fit_the_schema_gets_422_naming_the_field(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    body: dict[str, Any],
    field: str,
) -> None:
    payload = {k: str(uuid4()) if v == "{uuid}" else v for k, v in body.items()}
    sam = api("sam")
    before = _state()

    response = sam.post(f"/conversations/{direct.pk}/messages", payload)

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "payload", field]]
    assert _state() == before


def test_a_422_for_the_message_text_names_the_body_field(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    response = api("sam").post(
        f"/conversations/{direct.pk}/messages", {"client_id": str(uuid4()), "body": ""}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert response.json()["errors"][0]["field"] == "body"
    assert response.json()["detail"].startswith("body: ")


@pytest.mark.parametrize(
    "blank", [" ", "   \n\t  ", "\u00a0\u2003"], ids=["space", "mixed", "nbsp"]
)
def test_a_blank_message_gets_400_saying_to_write_something(
    world: World, api: Callable[[str], Api], direct: Conversation, blank: str
) -> None:
    sam = api("sam")
    before = _state()

    response = sam.post(
        f"/conversations/{direct.pk}/messages", {"client_id": str(uuid4()), "body": blank}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Write something to send.", "field": "body"}
    assert _state() == before


def test_a_message_with_text_that_cannot_be_stored_is_refused_not_a_500(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    sam = api("sam")
    before = _state()

    # A lone surrogate is valid JSON ("\ud800") but not text that can be encoded.
    raw = '{"client_id": "' + str(uuid4()) + '", "body": "broken \\ud800 text"}'
    response = sam.client.post(
        f"/api/v1/conversations/{direct.pk}/messages",
        raw,
        content_type="application/json",
        headers={"Authorization": sam.headers["HTTP_AUTHORIZATION"]},
    )

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "payload", "body"]]
    # In the words the socket uses for the same text (its `invalid` error's detail).
    assert response.json()["field"] == "body"
    assert half_character() in response.json()["errors"][0]["msg"]
    assert _state() == before


def test_a_message_nested_too_deep_gets_400_not_a_500(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    sam = api("sam")
    before = _state()

    response = sam.client.post(
        f"/api/v1/conversations/{direct.pk}/messages",
        "[" * 100_000,
        content_type="application/json",
        headers={"Authorization": sam.headers["HTTP_AUTHORIZATION"]},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert _state() == before


def test_a_message_with_an_escaped_pair_is_stored_as_the_character_it_stands_for(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    sam = api("sam")

    raw = '{"client_id": "' + str(uuid4()) + '", "body": "On my way \\ud83d\\ude97"}'
    response = sam.client.post(
        f"/api/v1/conversations/{direct.pk}/messages",
        raw,
        content_type="application/json",
        headers={"Authorization": sam.headers["HTTP_AUTHORIZATION"]},
    )

    assert response.status_code == 201
    (stored,) = Message.objects.filter(conversation=direct)
    assert stored.body == "On my way 🚗"


# --- reading ------------------------------------------------------------------------------


def test_catching_up_returns_only_messages_after_the_seq_up_to_the_limit(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    for i in range(1, 8):
        send(world.sam if i % 2 else world.jo, direct, f"Message {i}")
    jo = api("jo")

    def page(**query: int) -> list[tuple[int, str]]:
        response = jo.get(f"/conversations/{direct.pk}/messages?{urlencode(query)}")
        assert response.status_code == 200
        return [(m["seq"], m["body"]) for m in response.json()]

    assert page() == [(i, f"Message {i}") for i in range(1, 8)]
    assert page(after=4) == [(5, "Message 5"), (6, "Message 6"), (7, "Message 7")]
    assert page(after=2, limit=2) == [(3, "Message 3"), (4, "Message 4")]
    assert page(after=7) == []
    assert page(after=2**63 - 1, limit=200) == []


def test_a_page_is_at_most_a_hundred_messages_unless_asked_for_more(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    for i in range(205):
        send(world.sam, direct, f"Message {i}")
    jo = api("jo")
    url = f"/conversations/{direct.pk}/messages"

    default = jo.get(url).json()
    most = jo.get(f"{url}?limit=200").json()

    assert [m["seq"] for m in default] == list(range(1, 101))
    assert [m["seq"] for m in most] == list(range(1, 201))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": -1}, "after"),
        ({"after": 2**63}, "after"),
        ({"after": "last"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": -5}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "all"}, "limit"),
    ],
    ids=["negative after", "after too big", "after a word", "limit 0", "negative", "201", "word"],
)
def test_a_page_out_of_range_gets_422_naming_the_parameter(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    query: dict[str, Any],
    field: str,
) -> None:
    send(world.sam, direct, "Hello.")
    jo = api("jo")

    response = jo.get(f"/conversations/{direct.pk}/messages?{urlencode(query)}")

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert [e["loc"] for e in response.json()["errors"]] == [["query", field]]


# --- receipts -----------------------------------------------------------------------------


def test_receipts_are_stored_and_returned_and_only_move_forward(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    for body in ["One.", "Two.", "Three."]:
        send(world.sam, direct, body)
    jo = api("jo")
    url = f"/conversations/{direct.pk}/receipts"

    delivered = jo.post(url, {"delivered": 3})
    read = jo.post(url, {"read": 1})
    backwards = jo.post(url, {"delivered": 1, "read": 0})
    beyond = jo.post(url, {"read": 50})

    mark = {"id": world.jo.pk, "name": world.jo.display_name, "in_team": True}
    assert [(r.status_code, r.json()) for r in [delivered, read, backwards, beyond]] == [
        (200, {**mark, "last_delivered_seq": 3, "last_read_seq": 0}),
        (200, {**mark, "last_delivered_seq": 3, "last_read_seq": 1}),
        (200, {**mark, "last_delivered_seq": 3, "last_read_seq": 1}),
        (200, {**mark, "last_delivered_seq": 3, "last_read_seq": 3}),
    ]
    jos = Participant.objects.get(conversation=direct, user=world.jo)
    assert (jos.last_delivered_seq, jos.last_read_seq) == (3, 3)


def test_a_read_receipt_also_marks_delivery(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    send(world.sam, direct, "One.")
    send(world.sam, direct, "Two.")

    response = api("jo").post(f"/conversations/{direct.pk}/receipts", {"read": 2})

    assert response.status_code == 200
    assert (response.json()["last_delivered_seq"], response.json()["last_read_seq"]) == (2, 2)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"delivered": -1}, "delivered"),
        ({"read": -1}, "read"),
        ({"read": 2**63}, "read"),
        ({"delivered": "all"}, "delivered"),
        ({"read": 1.5}, "read"),
    ],
    ids=["negative delivered", "negative read", "read too big", "delivered a word", "fraction"],
)
def test_a_receipt_out_of_range_gets_422_and_changes_nothing(
    world: World,
    api: Callable[[str], Api],
    direct: Conversation,
    body: dict[str, Any],
    field: str,
) -> None:
    send(world.sam, direct, "One.")
    jo = api("jo")
    before = _state()

    response = jo.post(f"/conversations/{direct.pk}/receipts", body)

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert _state() == before


@pytest.mark.parametrize(
    "body", [{}, {"last_read_seq": 1}, {"read": None}], ids=["empty", "misspelt", "null"]
)
def test_a_receipt_that_names_no_mark_gets_422_rather_than_a_silent_200(
    world: World, api: Callable[[str], Api], direct: Conversation, body: dict[str, Any]
) -> None:
    send(world.sam, direct, "One.")
    jo = api("jo")
    before = _state()

    response = jo.post(f"/conversations/{direct.pk}/receipts", body)

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "Value error, Say how far you have got: give delivered, read or both."
    )
    assert _state() == before


# --- the wall -----------------------------------------------------------------------------


def _routes(conversation_id: int) -> list[tuple[str, str, Any]]:
    return [
        ("GET", f"/conversations/{conversation_id}/messages", None),
        (
            "POST",
            f"/conversations/{conversation_id}/messages",
            {"client_id": str(uuid4()), "body": "Let me in."},
        ),
        ("POST", f"/conversations/{conversation_id}/receipts", {"delivered": 1, "read": 1}),
    ]


ROUTE_NAMES = ["GET messages", "POST messages", "POST receipts"]


@pytest.mark.parametrize("route", range(3), ids=ROUTE_NAMES)
@pytest.mark.parametrize("outsider", ["kim", "lee", "alex", "priya", "admin"])
def test_someone_not_in_the_conversation_gets_the_same_404_as_for_no_conversation(
    world: World, api: Callable[[str], Api], direct: Conversation, outsider: str, route: int
) -> None:
    send(world.sam, direct, "Only for jo: the bench by the canal.")
    client = api(outsider)
    before = _state()

    method, path, body = _routes(direct.pk)[route]
    response = client.call(method, path, body)
    m_method, m_path, m_body = _routes(MISSING)[route]
    missing = client.call(m_method, m_path, m_body)

    assert (response.status_code, missing.status_code) == (404, 404)
    assert response.json() == missing.json() == NO_SUCH_CONVERSATION
    assert "canal" not in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("route", range(3), ids=ROUTE_NAMES)
def test_a_member_removed_from_the_team_loses_the_conversation_at_once(
    world: World, api: Callable[[str], Api], direct: Conversation, route: int
) -> None:
    send(world.sam, direct, "Before you go.")
    jo = api("jo")
    assert [c["id"] for c in jo.get("/conversations").json()] == [direct.pk]

    people.remove_member(
        actor=world.priya, membership=Membership.objects.get(team=world.northside, user=world.jo)
    )
    before = _state()
    method, path, body = _routes(direct.pk)[route]
    response = jo.call(method, path, body)

    assert response.status_code == 404
    assert response.json() == NO_SUCH_CONVERSATION
    assert jo.get("/conversations").json() == []
    assert _state() == before
    # sam keeps the conversation and what was said in it.
    assert [c["id"] for c in api("sam").get("/conversations").json()] == [direct.pk]


def test_those_who_stay_see_who_has_left_the_team(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    def jo_in_team() -> list[bool]:
        listed = api("sam").get("/conversations").json()
        return [p["in_team"] for p in listed[0]["participants"] if p["id"] == world.jo.pk]

    assert jo_in_team() == [True]
    people.remove_member(
        actor=world.priya, membership=Membership.objects.get(team=world.northside, user=world.jo)
    )
    assert jo_in_team() == [False]


def test_a_member_added_back_to_the_team_has_the_conversation_again(
    world: World, api: Callable[[str], Api], direct: Conversation
) -> None:
    send(world.sam, direct, "Before you go.")
    people.remove_member(
        actor=world.priya, membership=Membership.objects.get(team=world.northside, user=world.jo)
    )
    people.add_member(
        actor=world.priya,
        team=world.northside,
        user=world.jo,
        role="practitioner",
        grade="practitioner",
    )

    listed = api("jo").get("/conversations")

    assert [(c["id"], c["unread"]) for c in listed.json()] == [(direct.pk, 1)]


@pytest.mark.parametrize(
    "path",
    ["/conversations", "/conversations/{id}/messages", "/conversations/{id}/receipts"],
)
@pytest.mark.parametrize("raw", ['{"body": "Hi", ', "[1, 2]", '"text"'], ids=["cut", "list", "str"])
def test_a_body_that_is_not_a_json_object_gets_400_or_422_and_changes_nothing(
    world: World, api: Callable[[str], Api], direct: Conversation, path: str, raw: str
) -> None:
    sam = api("sam")
    before = _state()

    response = sam.client.post(
        "/api/v1" + path.format(id=direct.pk),
        raw,
        content_type="application/json",
        headers={"Authorization": sam.headers["HTTP_AUTHORIZATION"]},
    )

    assert response.status_code in {400, 422}
    assert response.json()["detail"]
    assert _state() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/conversations", None),
        ("POST", "/conversations", {"team_id": 1, "member_ids": [2]}),
        ("GET", "/conversations/{id}/messages", None),
        ("POST", "/conversations/{id}/messages", {"client_id": str(uuid4()), "body": "Hi"}),
        ("POST", "/conversations/{id}/receipts", {"read": 1}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_without_a_token_every_conversation_endpoint_gets_401(
    world: World, direct: Conversation, method: str, path: str, body: Any
) -> None:
    send(world.sam, direct, "Hello.")
    before = _state()
    anonymous = Api(Client(), {})

    response = anonymous.call(method, path.format(id=direct.pk), body)

    assert response.status_code == 401
    assert "Hello" not in response.content.decode()
    assert _state() == before


def test_conversation_routes_check_the_conversation_id_in_the_path(
    world: World, api: Callable[[str], Api]
) -> None:
    sam = api("sam")

    for path in ["/conversations/0/messages", "/conversations/abc/messages"]:
        response = sam.get(path)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["path", "conversation_id"]


def test_starting_and_sending_can_be_done_entirely_over_http(
    world: World, api: Callable[[str], Api]
) -> None:
    sam, jo = api("sam"), api("jo")
    conversation = sam.post(
        "/conversations", {"team_id": world.northside.pk, "member_ids": [world.jo.pk]}
    ).json()
    cid = conversation["id"]

    sam.post(f"/conversations/{cid}/messages", {"client_id": str(uuid4()), "body": "Safe?"})
    jo.post(f"/conversations/{cid}/receipts", {"read": 1})
    jo.post(f"/conversations/{cid}/messages", {"client_id": str(uuid4()), "body": "Yes."})

    assert [(m["seq"], m["body"]) for m in sam.get(f"/conversations/{cid}/messages").json()] == [
        (1, "Safe?"),
        (2, "Yes."),
    ]
    [listed] = sam.get("/conversations").json()
    assert (listed["last_seq"], listed["unread"]) == (2, 1)
    assert {p["id"]: p["last_read_seq"] for p in listed["participants"]} == {
        world.sam.pk: 1,
        world.jo.pk: 2,
    }
