"""Concerns over HTTP: what each endpoint answers, and who may learn that a concern exists.

alex (newly qualified) raises a Probe with morgan (senior) about sam's case. Until it is
escalated it is theirs alone: jo and sam (third colleagues), priya (the lead), dee (the
team administrator), admin (the organisation admin) and kim and lee (Riverside) get the
404 of a concern that does not exist, whatever they try, and nothing is written.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from ropeteam.concerns import actions
from ropeteam.concerns.models import Concern, Entry, Times
from ropeteam.conversations.models import Conversation
from ropeteam.conversations.models import Participant as ConversationMember
from tests.api.conftest import Api, audit_entries, token_for
from tests.concerns.test_actions import SAID, fire, raise_one
from tests.conftest import World, audit_count

MISSING = 987_654_321
# The one error shape of the API: a message, the field it is about, and for a body that
# does not fit the schema, pydantic's list.
ERROR_KEYS = {"detail", "field", "errors"}
NOT_ALLOWED = "Your role in this team does not allow that."
NO_SUCH_CONCERN = {"detail": "No such concern."}
NO_SUCH_TEAM = {"detail": "No such team."}
# Everyone but the two, before it is escalated.
OTHERS = ["jo", "sam", "priya", "dee", "admin", "kim", "lee"]
PRACTITIONERS = ["alex", "morgan", "sam", "jo"]

CONCERN_FIELDS = {
    "id",
    "team_id",
    "raiser_id",
    "raiser",
    "colleague_id",
    "colleague",
    "escalate_to_id",
    "escalate_to",
    "level",
    "state",
    "challenges",
    "case_id",
    "case_reference",
    "created_at",
    "due_at",
    "escalated_at",
    "first_response_at",
    "resolution",
    "resolved_at",
    "conversation_id",
    "consultation_id",
}
ENTRY_FIELDS = {
    "kind",
    "level",
    "by_id",
    "by",
    "at",
    "noticed",
    "matters",
    "suggest",
    "asking",
    "response",
    "resolution",
    "text",
}
SAID_OVER_HTTP = {
    "noticed": SAID.noticed,
    "matters": SAID.matters,
    "suggest": SAID.suggest,
    "asking": SAID.asking,
}


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    """A JSON client per persona, each with its token made now: making one is audited, and
    the tests compare the audit log before and after a request."""
    everyone = ["alex", "morgan", "sam", "jo", "priya", "dee", "admin", "kim", "lee"]
    clients = {name: Api(Client(), token_for(getattr(world, name))) for name in everyone}
    return clients.__getitem__


@pytest.fixture
def concern(world: World) -> Concern:
    """alex's Probe with morgan, about sam's case (so every read of it is audited)."""
    return actions.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=SAID,
        case_id=world.sams_case.pk,
    )


def raise_body(world: World, **changes: object) -> dict[str, Any]:
    return {"colleague_id": world.morgan.pk, "level": "probe", **SAID_OVER_HTTP, **changes}


def written(world: World) -> tuple[object, ...]:
    """Everything a concerns request might write, to compare before and after."""
    return (
        list(
            Concern.objects.values_list(
                "pk",
                "level",
                "state",
                "round",
                "challenges",
                "resent",
                "escalated_at",
                "due_at",
                "first_response_at",
                "resolution",
                "consultation_id",
            )
        ),
        list(Entry.objects.values_list("pk", "kind")),
        Conversation.objects.count(),
        list(ConversationMember.objects.values_list("conversation_id", "user_id")),
        list(Times.objects.values_list()),
        audit_count(),
        DBTaskResult.objects.count(),
    )


def assert_error(response: Any, status: int, field: str, detail: str | None = None) -> None:
    """The one error shape, about `field`; with `detail`, that exact message."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= ERROR_KEYS
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["field"] == field
    if detail is not None:
        assert body["detail"] == detail


# --- raising ---------------------------------------------------------------------------------


def test_raising_a_probe_answers_with_the_concern_and_what_was_said(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("alex").post(
        f"/teams/{world.northside.pk}/concerns", raise_body(world, case_id=world.sams_case.pk)
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == CONCERN_FIELDS | {"entries"}
    assert (body["level"], body["state"], body["challenges"]) == ("probe", "raised", 0)
    assert (body["raiser_id"], body["raiser"]) == (world.alex.pk, "Alex")
    assert (body["colleague_id"], body["colleague"]) == (world.morgan.pk, "Morgan")
    # Who it would go to stays unsaid until it goes there.
    assert (body["escalate_to_id"], body["escalate_to"], body["escalated_at"]) == (None,) * 3
    assert (body["case_id"], body["case_reference"]) == (world.sams_case.pk, "NS-1")
    assert body["due_at"] is not None
    (entry,) = body["entries"]
    assert set(entry) == ENTRY_FIELDS
    assert (entry["kind"], entry["level"], entry["by_id"]) == ("raised", "probe", world.alex.pk)
    assert {k: entry[k] for k in SAID_OVER_HTTP} == SAID_OVER_HTTP
    assert len(audit_entries("concerns.raised")) == 1


@pytest.mark.parametrize(
    ("changes", "status", "field", "detail"),
    [
        ({"noticed": ""}, 400, "noticed", "Say what you noticed."),
        ({"noticed": "   "}, 400, "noticed", "Say what you noticed."),
        ({"asking": ""}, 400, "asking", "Say what you are asking of your colleague."),
        ({"level": "shout"}, 422, "level", None),
        ({"level": None}, 422, "level", None),
        ({"noticed": "x" * 1001}, 422, "noticed", None),
        ({"suggest": "x" * 1001}, 422, "suggest", None),
        ({"noticed": "On Friday\x00"}, 422, "noticed", None),
        ({"colleague_id": None}, 422, "colleague_id", None),
        (
            {"colleague_id": "alex"},
            400,
            "colleague_id",
            "Choose the colleague you want to raise this with.",
        ),
        ({"colleague_id": "kim"}, 404, "colleague_id", "No such colleague in this team."),
        ({"colleague_id": MISSING}, 404, "colleague_id", "No such colleague in this team."),
        ({"case_id": "lees_case"}, 404, None, "No such case."),
    ],
    ids=[
        "nothing noticed",
        "only spaces noticed",
        "nothing asked",
        "unknown level",
        "no level",
        "too long noticed",
        "too long suggestion",
        "NUL character",
        "no colleague",
        "with oneself",
        "colleague in another team",
        "colleague who does not exist",
        "another team's case",
    ],
)
def test_a_bad_concern_is_refused_with_the_one_error_shape_and_nothing_is_written(
    world: World,
    api: Callable[[str], Api],
    *,
    changes: dict[str, Any],
    status: int,
    field: str | None,
    detail: str | None,
) -> None:
    # Persona names stand for their ids; the case name for its id.
    for key in ("colleague_id", "case_id"):
        if isinstance(changes.get(key), str):
            changes = changes | {key: getattr(world, changes[key]).pk}
    body = {k: v for k, v in raise_body(world, **changes).items() if v is not None}
    before = written(world)

    response = api("alex").post(f"/teams/{world.northside.pk}/concerns", body)

    assert response.status_code == status, response.content
    error = response.json()
    assert set(error) <= ERROR_KEYS
    assert error["detail"]
    assert error.get("field") == field
    if detail is not None:
        assert error["detail"] == detail
    if status == 422:
        assert [e["field"] for e in error["errors"]] == [field]
    if "\x00" in str(changes):
        assert "NUL character" in error["errors"][0]["msg"]
    assert written(world) == before


# --- who may see it --------------------------------------------------------------------------


# Each operation on one concern, with a body that is valid for it: a refusal must come from
# the access check, not from validation.
CONCERN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "", None),
    ("POST", "/respond", {"response": "acknowledge", "text": "Yes, let's talk"}),
    ("POST", "/respond", {"response": "think_together"}),
    ("POST", "/step-up", {"asking": "Can we talk today?"}),
    ("POST", "/challenge", {"matters": "It is a safety issue"}),
    ("POST", "/resolve", {"resolution": "escalated", "text": "Taking it further"}),
]
ROUTE_IDS = [
    f"{m} /concerns/{{id}}{p}" + (f" {b['response']}" if b and "response" in b else "")
    for m, p, b in CONCERN_ROUTES
]


@pytest.mark.parametrize("persona", OTHERS)
@pytest.mark.parametrize("route", CONCERN_ROUTES, ids=ROUTE_IDS)
def test_nobody_else_can_see_a_concern_or_learn_that_it_exists(
    world: World,
    api: Callable[[str], Api],
    concern: Concern,
    persona: str,
    route: tuple[str, str, dict[str, Any] | None],
) -> None:
    method, action, body = route
    client = api(persona)
    before = written(world)

    response = client.call(method, f"/concerns/{concern.pk}{action}", body)
    missing = client.call(method, f"/concerns/{MISSING}{action}", body)

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == NO_SUCH_CONCERN
    assert response.content == missing.content
    # Nothing written, and not even an audited read of the case it is about.
    assert written(world) == before


def test_the_raiser_and_the_colleague_read_it_and_each_read_is_audited(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    for name in ("alex", "morgan"):
        response = api(name).get(f"/concerns/{concern.pk}")
        assert response.status_code == 200
        assert response.json()["id"] == concern.pk
        assert response.json()["entries"][0]["noticed"] == SAID.noticed
    assert [e.actor_id for e in audit_entries("concerns.viewed")] == [
        world.alex.pk,
        world.morgan.pk,
    ]


def test_once_escalated_the_lead_gets_in_and_nobody_else_does(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    path = f"/concerns/{concern.pk}"
    assert api("priya").get(path).status_code == 404
    assert fire(concern) == "resent"
    assert api("priya").get(path).status_code == 404  # re-sent, not escalated yet
    assert fire(concern) == "escalated"

    seen = api("priya").get(path)
    assert seen.status_code == 200
    assert (seen.json()["escalate_to_id"], seen.json()["escalate_to"]) == (world.priya.pk, "Priya")
    assert [e["kind"] for e in seen.json()["entries"]] == ["raised", "resent", "escalated"]
    assert [c["id"] for c in api("priya").get("/concerns").json()] == [concern.pk]
    # She may see it; answering it is still morgan's.
    answer = api("priya").post(f"{path}/respond", {"response": "acknowledge", "text": "Noted"})
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Only the colleague it was raised with can respond."}
    for name in ("jo", "sam", "dee", "admin", "kim", "lee"):
        assert api(name).get(path).json() == NO_SUCH_CONCERN


@pytest.mark.hazard("H3")
def test_whoever_it_went_to_says_on_it_and_the_reminders_stop(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    path = f"/concerns/{concern.pk}/on-it"
    assert api("priya").post(path, {}).json() == NO_SUCH_CONCERN  # not escalated yet
    fire(concern)
    fire(concern)
    assert fire(concern) == "reminded"
    for name in ("jo", "sam", "kim"):
        assert api(name).post(path, {}).json() == NO_SUCH_CONCERN
    for name in ("alex", "morgan"):
        refused = api(name).post(path, {})
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "Only the person it was escalated to can say they are on it."
        }

    taken = api("priya").post(path, {})

    assert taken.status_code == 200, taken.content
    assert taken.json()["state"] == "raised"  # still morgan's to answer
    assert [e.actor_id for e in audit_entries("concerns.taken_on")] == [world.priya.pk]
    assert fire(concern) == ""
    assert api("priya").post(path, {}).status_code == 200  # the same press again


def test_on_it_after_the_colleague_answered_is_a_conflict(
    world: World, api: Callable[[str], Api]
) -> None:
    raised = api("alex").post(
        f"/teams/{world.northside.pk}/concerns", raise_body(world, level="escalate")
    )
    concern_id = raised.json()["id"]
    api("morgan").post(
        f"/concerns/{concern_id}/respond", {"response": "acknowledge", "text": "Yes"}
    )
    refused = api("priya").post(f"/concerns/{concern_id}/on-it", {})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Nothing about this concern is waiting for you now."


def test_at_escalate_the_lead_gets_in_at_once(world: World, api: Callable[[str], Api]) -> None:
    raised = api("alex").post(
        f"/teams/{world.northside.pk}/concerns", raise_body(world, level="escalate")
    )
    assert raised.status_code == 201
    assert raised.json()["escalate_to_id"] == world.priya.pk
    assert api("priya").get(f"/concerns/{raised.json()['id']}").status_code == 200


def test_my_concerns_never_list_anyone_elses(world: World, api: Callable[[str], Api]) -> None:
    def raise_as(raiser: str, colleague: str) -> int:
        response = api(raiser).post(
            f"/teams/{world.northside.pk}/concerns",
            raise_body(world, colleague_id=getattr(world, colleague).pk),
        )
        assert response.status_code == 201
        concern_id: int = response.json()["id"]
        return concern_id

    alex_morgan = raise_as("alex", "morgan")
    sam_jo = raise_as("sam", "jo")
    jo_priya = raise_as("jo", "priya")  # about the lead: it would go to admin
    priya_sam = raise_as("priya", "sam")
    listed = {
        name: sorted(c["id"] for c in api(name).get("/concerns").json())
        for name in ("alex", "morgan", "sam", "jo", "priya", "dee", "admin", "kim", "lee")
    }

    assert listed == {
        "alex": [alex_morgan],
        "morgan": [alex_morgan],
        "sam": sorted([sam_jo, priya_sam]),
        "jo": sorted([sam_jo, jo_priya]),
        "priya": sorted([jo_priya, priya_sam]),
        "dee": [],
        "admin": [],  # it would go to admin, but has not gone
        "kim": [],
        "lee": [],
    }


def test_my_concerns_show_open_ones_first_then_the_most_recently_closed(
    world: World, api: Callable[[str], Api]
) -> None:
    first, second, third = (raise_one(world) for _ in range(3))
    for concern in (first, third):  # first is closed before third
        actions.resolve(actor=world.alex, concern=concern, resolution="resolved")
    listed = [c["id"] for c in api("alex").get("/concerns").json()]
    assert listed == [second.pk, third.pk, first.pk]


def test_listing_my_concerns_costs_the_same_queries_however_many_there_are(
    world: World, api: Callable[[str], Api]
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = alex.get("/concerns")
        assert response.status_code == 200
        return len(captured.captured_queries)

    alex = api("alex")
    for colleague in (world.morgan, world.sam, world.jo):
        actions.raise_concern(
            actor=world.alex,
            team=world.northside,
            colleague_id=colleague.pk,
            level="probe",
            statement=SAID,
            case_id=world.sams_case.pk,
        )
    alex.get("/concerns")  # the token's first use writes last_used_at; measure what follows
    few = count()
    for colleague in (world.morgan, world.sam, world.jo, world.priya, world.dee):
        actions.raise_concern(
            actor=world.alex,
            team=world.northside,
            colleague_id=colleague.pk,
            level="alert",
            statement=SAID,
            case_id=world.sams_case.pk,
        )

    assert len(alex.get("/concerns").json()) == 8
    assert count() == few


# --- responding, stepping up, resolving ------------------------------------------------------


def test_the_colleague_acknowledges_with_a_reply_and_the_clock_stops(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    response = api("morgan").post(
        f"/concerns/{concern.pk}/respond", {"response": "acknowledge", "text": "Yes, let's"}
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["due_at"]) == ("responded", None)
    assert body["first_response_at"] is not None
    assert [(e["kind"], e["response"], e["text"]) for e in body["entries"]][-1] == (
        "responded",
        "acknowledge",
        "Yes, let's",
    )
    assert len(audit_entries("concerns.responded")) == 1


def test_accepting_a_thinking_together_links_one_and_only_once(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    path = f"/concerns/{concern.pk}/respond"
    accepted = api("morgan").post(path, {"response": "think_together"})
    assert accepted.status_code == 200
    assert accepted.json()["consultation_id"] is not None
    before = written(world)

    again = api("morgan").post(path, {"response": "think_together"})

    assert again.status_code == 409
    assert again.json() == {"detail": "A Thinking Together about this concern has already started."}
    assert written(world) == before


@pytest.mark.parametrize(
    ("body", "status", "field", "detail"),
    [
        ({"response": "acknowledge"}, 400, "text", "Write a reply for your colleague."),
        ({"response": "see_differently", "text": "  "}, 400, "text", None),
        ({"response": "shrug", "text": "x"}, 422, "response", None),
        ({"text": "x"}, 422, "response", None),
        ({"response": "acknowledge", "text": "x" * 2001}, 422, "text", None),
        ({"response": "acknowledge", "text": "Fine\x00"}, 422, "text", None),
    ],
    ids=[
        "reply missing",
        "reply only spaces",
        "unknown response",
        "no response",
        "too long",
        "NUL",
    ],
)
def test_a_bad_response_is_refused_and_nothing_is_written(
    world: World,
    api: Callable[[str], Api],
    *,
    concern: Concern,
    body: dict[str, Any],
    status: int,
    field: str,
    detail: str | None,
) -> None:
    before = written(world)

    response = api("morgan").post(f"/concerns/{concern.pk}/respond", body)

    assert_error(response, status, field, detail)
    assert written(world) == before


@pytest.mark.parametrize(
    ("name", "action", "body", "detail"),
    [
        (
            "alex",
            "/respond",
            {"response": "acknowledge", "text": "x"},
            "Only the colleague it was raised with can respond.",
        ),
        ("morgan", "/step-up", {"asking": "x"}, "Only the person who raised it can do that."),
        (
            "morgan",
            "/resolve",
            {"resolution": "resolved"},
            "Only the person who raised it can do that.",
        ),
    ],
    ids=["the raiser responds", "the colleague steps up", "the colleague resolves"],
)
def test_the_wrong_one_of_the_two_gets_403_and_nothing_is_written(
    world: World,
    api: Callable[[str], Api],
    *,
    concern: Concern,
    name: str,
    action: str,
    body: dict[str, Any],
    detail: str,
) -> None:
    before = written(world)

    response = api(name).post(f"/concerns/{concern.pk}{action}", body)

    assert response.status_code == 403
    assert response.json() == {"detail": detail}
    assert written(world) == before


def test_the_raiser_steps_up_keeping_the_exchange(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    path = f"/concerns/{concern.pk}"
    api("morgan").post(f"{path}/respond", {"response": "see_differently", "text": "It is fine"})

    response = api("alex").post(f"{path}/step-up", {"matters": "I am concerned about Friday"})

    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["state"]) == ("alert", "raised")
    assert body["due_at"] is not None
    assert [(e["kind"], e["level"]) for e in body["entries"]] == [
        ("raised", "probe"),
        ("responded", "probe"),
        ("stepped_up", "alert"),
    ]
    assert body["entries"][-1]["matters"] == "I am concerned about Friday"


@pytest.mark.parametrize(
    ("action", "body", "status", "field", "detail"),
    [
        (
            "/step-up",
            {},
            400,
            "noticed",
            "Say what has changed, or what you are asking now.",
        ),
        ("/step-up", {"asking": "x" * 1001}, 422, "asking", None),
        ("/step-up", {"asking": "Now\x00"}, 422, "asking", None),
        (
            "/challenge",
            {"asking": "Please"},
            409,
            "level",
            "Challenge again once the concern is at Challenge.",
        ),
        ("/resolve", {"resolution": "shrugged"}, 422, "resolution", None),
        ("/resolve", {"resolution": "resolved", "text": "x" * 2001}, 422, "text", None),
    ],
    ids=[
        "step up saying nothing",
        "step up too long",
        "step up NUL",
        "challenge at probe",
        "unknown resolution",
        "resolution too long",
    ],
)
def test_the_raiser_is_refused_bad_input_and_nothing_is_written(
    world: World,
    api: Callable[[str], Api],
    *,
    concern: Concern,
    action: str,
    body: dict[str, Any],
    status: int,
    field: str,
    detail: str | None,
) -> None:
    before = written(world)

    response = api("alex").post(f"/concerns/{concern.pk}{action}", body)

    assert_error(response, status, field, detail)
    assert written(world) == before


def test_the_second_challenge_takes_it_to_the_lead(world: World, api: Callable[[str], Api]) -> None:
    raised = api("alex").post(
        f"/teams/{world.northside.pk}/concerns", raise_body(world, level="challenge")
    )
    path = f"/concerns/{raised.json()['id']}"
    assert (raised.json()["challenges"], raised.json()["escalated_at"]) == (1, None)
    api("morgan").post(f"{path}/respond", {"response": "see_differently", "text": "No"})

    again = api("alex").post(f"{path}/challenge", {"matters": "It is a safety issue"})

    assert again.status_code == 200
    assert (again.json()["challenges"], again.json()["escalate_to_id"]) == (2, world.priya.pk)
    assert [e["kind"] for e in again.json()["entries"]][-2:] == ["challenged", "escalated"]
    assert api("priya").get(path).status_code == 200


def test_the_raiser_records_how_it_ended_and_then_it_is_closed(
    world: World, api: Callable[[str], Api], concern: Concern
) -> None:
    path = f"/concerns/{concern.pk}"
    api("morgan").post(f"{path}/respond", {"response": "acknowledge", "text": "Agreed"})

    done = api("alex").post(f"{path}/resolve", {"resolution": "changed", "text": "We pair now"})

    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["resolution"], body["due_at"]) == ("resolved", "changed", None)
    assert body["resolved_at"] is not None
    assert (body["entries"][-1]["kind"], body["entries"][-1]["text"]) == ("resolved", "We pair now")
    before = written(world)
    for name, action, payload in (
        ("alex", "/resolve", {"resolution": "resolved"}),
        ("alex", "/step-up", {"asking": "Again"}),
        ("morgan", "/respond", {"response": "acknowledge", "text": "Again"}),
    ):
        refused = api(name).post(f"{path}{action}", payload)
        assert refused.status_code == 409
        assert refused.json() == {"detail": "This concern has already been resolved."}
    assert written(world) == before


# --- the lead's figures ----------------------------------------------------------------------


def _raise_many(world: World, pairs: list[tuple[str, str, str]]) -> list[Concern]:
    return [
        actions.raise_concern(
            actor=getattr(world, raiser),
            team=world.northside,
            colleague_id=getattr(world, colleague).pk,
            level=level,
            statement=SAID,
        )
        for raiser, colleague, level in pairs
    ]


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _names_nobody(world: World, text: str) -> None:
    """The figures name no one and carry no id or words of anyone."""
    people = [world.priya, world.morgan, world.sam, world.jo, world.alex, world.dee, world.admin]
    words = [w for p in people for w in (p.username, p.display_name)]
    words += ["second worker", "going alone", "NS-1"]
    assert [w for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)] == []
    keys = _keys(json.loads(text))
    assert [k for k in keys if k == "id" or k.endswith("_id") or k.endswith("_ids")] == []
    assert keys & {"raiser", "colleague", "escalate_to", "by", "user", "users", "names"} == set()


def _figures(body: dict[str, Any], group: str) -> dict[str, int | None]:
    return {f["key"]: f["count"] for f in body[group]}


@pytest.mark.parametrize("name", [*PRACTITIONERS, "dee", "admin"])
def test_only_the_lead_sees_the_teams_figures(
    world: World, api: Callable[[str], Api], name: str
) -> None:
    response = api(name).get(f"/teams/{world.northside.pk}/concerns/activity")

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_ALLOWED}


@pytest.mark.parametrize("name", ["kim", "lee"])
def test_another_team_gets_the_404_of_a_missing_team_for_the_figures(
    world: World, api: Callable[[str], Api], name: str
) -> None:
    client = api(name)
    response = client.get(f"/teams/{world.northside.pk}/concerns/activity")
    missing = client.get(f"/teams/{MISSING}/concerns/activity")

    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == NO_SUCH_TEAM


def test_fewer_concerns_than_the_threshold_show_no_figures_at_all(
    world: World, api: Callable[[str], Api]
) -> None:
    _raise_many(world, [("alex", "morgan", "probe")] * 4)

    response = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity")

    assert response.status_code == 200
    body = response.json()
    assert body["min_group"] == 5
    assert body["raised"] is None
    assert (body["by_level"], body["by_direction"]) == ([], [])
    assert (body["answered_before_escalation"], body["median_response_seconds"]) == (None, None)
    _names_nobody(world, response.content.decode())


def test_groups_at_the_threshold_are_shown_without_naming_anyone(
    world: World, api: Callable[[str], Api]
) -> None:
    raised = _raise_many(world, [("alex", "morgan", "probe")] * 6)
    for concern in raised:
        actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Yes")

    response = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity")

    body = response.json()
    assert body["raised"] == 6
    assert _figures(body, "by_level") == {"probe": 6, "alert": 0, "challenge": 0, "escalate": 0}
    assert _figures(body, "by_direction") == {"upward": 6, "level": 0, "downward": 0}
    assert body["answered_before_escalation"] == 6
    assert body["median_response_seconds"] is not None
    _names_nobody(world, response.content.decode())


def test_a_small_group_is_hidden_and_so_is_a_second_so_it_cannot_be_worked_out(
    world: World, api: Callable[[str], Api]
) -> None:
    # Five Probes upward and one Alert between equals: showing the five and the total (six)
    # would give away the one, so both are hidden.
    _raise_many(world, [("alex", "morgan", "probe")] * 5 + [("sam", "jo", "alert")])

    response = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity")

    body = response.json()
    assert body["raised"] == 6
    assert _figures(body, "by_level") == {
        "probe": None,
        "alert": None,
        "challenge": 0,
        "escalate": 0,
    }
    assert _figures(body, "by_direction") == {"upward": None, "level": None, "downward": 0}
    # None answered: no response times to show either.
    assert (body["answered_before_escalation"], body["median_response_seconds"]) == (None, None)
    _names_nobody(world, response.content.decode())


def test_two_small_groups_that_add_up_to_less_than_the_threshold_hide_a_third(
    world: World, api: Callable[[str], Api]
) -> None:
    # Six Probes, one Alert, one Challenge: showing the six beside a total of eight would
    # say the two hidden ones are one each.
    _raise_many(
        world,
        [("alex", "morgan", "probe")] * 6 + [("sam", "jo", "alert"), ("jo", "sam", "challenge")],
    )

    body = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity").json()

    assert body["raised"] == 8
    assert _figures(body, "by_level") == {
        "probe": None,
        "alert": None,
        "challenge": None,
        "escalate": 0,
    }
    assert _figures(body, "by_direction") == {"upward": None, "level": None, "downward": 0}


def test_an_answer_that_came_before_a_later_escalation_counts_as_answered_in_time(
    world: World, api: Callable[[str], Api]
) -> None:
    raised = _raise_many(world, [("alex", "morgan", "probe")] * 6)
    for concern in raised:
        actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Yes")
    # The answer did not settle it: the raiser takes it to the lead afterwards.
    actions.resolve(actor=world.alex, concern=raised[0], resolution="escalated")

    body = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity").json()

    assert body["answered_before_escalation"] == 6


def test_the_threshold_is_a_setting(world: World, api: Callable[[str], Api], settings: Any) -> None:
    settings.CONCERNS_MIN_GROUP = 3
    raised = _raise_many(world, [("alex", "morgan", "probe")] * 3 + [("sam", "jo", "alert")])
    for concern in raised[:3]:
        actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Yes")

    body = api("priya").get(f"/teams/{world.northside.pk}/concerns/activity").json()

    assert (body["min_group"], body["raised"]) == (3, 4)
    # One answered-in-time group of three beside one unanswered: the one would show.
    assert body["answered_before_escalation"] is None
    assert body["median_response_seconds"] is not None
    assert _figures(body, "by_level")["alert"] is None


# --- the times ---------------------------------------------------------------------------------

TIMES = {
    "probe_seconds": 2,
    "alert_seconds": 60,
    "challenge_seconds": 30,
    "escalate_seconds": 30,
}


def test_everyone_in_the_team_reads_the_times_and_the_defaults_are_a_day_and_hours(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("sam").get(f"/teams/{world.northside.pk}/concerns/times")

    assert response.status_code == 200
    assert response.json() == {
        "probe_seconds": 86400,
        "alert_seconds": 14400,
        "challenge_seconds": 3600,
        "escalate_seconds": 3600,
        "next_up_id": None,
    }


def test_the_lead_sets_the_times_and_the_next_person_up(
    world: World, api: Callable[[str], Api]
) -> None:
    path = f"/teams/{world.northside.pk}/concerns/times"
    wanted = TIMES | {"next_up_id": world.kim.pk}

    response = api("priya").put(path, wanted)

    assert response.status_code == 200
    assert response.json() == wanted
    assert api("sam").get(path).json() == wanted
    assert len(audit_entries("concerns.times_set")) == 1


@pytest.mark.parametrize("name", [*PRACTITIONERS, "dee", "admin"])
def test_only_the_lead_sets_the_times(world: World, api: Callable[[str], Api], name: str) -> None:
    before = written(world)

    response = api(name).put(f"/teams/{world.northside.pk}/concerns/times", TIMES)

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_ALLOWED}
    assert written(world) == before


@pytest.mark.parametrize("name", ["kim", "lee"])
def test_another_team_gets_the_404_of_a_missing_team_for_the_times(
    world: World, api: Callable[[str], Api], name: str
) -> None:
    client = api(name)
    before = written(world)
    for method, body in (("GET", None), ("PUT", TIMES)):
        response = client.call(method, f"/teams/{world.northside.pk}/concerns/times", body)
        missing = client.call(method, f"/teams/{MISSING}/concerns/times", body)
        assert response.status_code == missing.status_code == 404
        assert response.json() == missing.json() == NO_SUCH_TEAM
    assert written(world) == before


@pytest.mark.parametrize(
    ("changes", "status", "field", "detail"),
    [
        ({"probe_seconds": 0}, 422, "probe_seconds", None),
        ({"alert_seconds": 31 * 86400}, 422, "alert_seconds", None),
        ({"escalate_seconds": None}, 422, "escalate_seconds", None),
        ({"next_up_id": "sam"}, 404, "next_up_id", "No such person in this organisation."),
        ({"next_up_id": MISSING}, 404, "next_up_id", "No such person in this organisation."),
    ],
    ids=["zero", "over a month", "missing", "next up in the team", "next up nobody"],
)
def test_bad_times_are_refused_and_nothing_is_written(
    world: World,
    api: Callable[[str], Api],
    *,
    changes: dict[str, Any],
    status: int,
    field: str,
    detail: str | None,
) -> None:
    if isinstance(changes.get("next_up_id"), str):
        changes = {"next_up_id": getattr(world, changes["next_up_id"]).pk}
    body = {k: v for k, v in (TIMES | changes).items() if v is not None}
    before = written(world)

    response = api("priya").put(f"/teams/{world.northside.pk}/concerns/times", body)

    assert_error(response, status, field, detail)
    assert written(world) == before
