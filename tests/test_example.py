"""How tests are written here: a tutorial in test form, one convention per test: state built
through actions, permission tables, audit of reads, a websocket, a typed event, a query budget
and a deadline.

Read this before adding tests. STYLE.md in shared/ says why; this file shows how.
"""

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions as case_actions
from ropeteam.concerns import actions as concerns
from ropeteam.concerns.actions import Statement
from ropeteam.core.errors import Forbidden
from ropeteam.escalation import engine
from ropeteam.people import actions, queries
from ropeteam.people.flow import Status
from ropeteam.realtime import publish as publishing
from ropeteam.realtime.events import Publishable
from ropeteam.thinking import actions as thinking
from ropeteam.thinking.events import ThinkingChanged
from tests.conftest import World
from tests.live.client import Socket
from tests.live.conftest import Live, live  # noqa: F401 (the fixture: one real server)


def test_state_is_built_through_actions_like_a_person_would(world: World) -> None:
    # `world` gives every test the same personas (see tests/conftest.py). We change things
    # by calling actions, never by writing models, so tests exercise the real paths.
    actions.set_availability(actor=world.jo, status="busy")
    # ...and we read back through queries, the same way the pages do.
    rope = queries.rope_for(world.northside, world.sam)
    assert rope.holders[0].availability.status == Status.BUSY


def test_outsiders_get_a_404_that_looks_like_nothing_is_there(world: World) -> None:
    # kim leads Riverside. Northside's cases must not even be confirmed to exist: the
    # response for a real case and for a made-up id are the same.
    kim = world.client_for(world.kim)
    real = kim.get(f"/api/v1/cases/{world.sams_case.pk}")
    made_up = kim.get("/api/v1/cases/999999")
    assert real.status_code == made_up.status_code == 404
    assert real.json() == made_up.json()


@pytest.mark.parametrize(
    ("who", "status"),
    [("sam", 200), ("priya", 200), ("dee", 200), ("kim", 404), ("lee", 404)],
)
def test_every_endpoint_has_a_permission_table(world: World, who: str, status: int) -> None:
    # One row per persona: the team's keyworker, lead and administrator get in; the
    # other team's lead (kim) and keyworker (lee) find nothing there.
    client = world.client_for(getattr(world, who))
    assert client.get(f"/api/v1/cases/{world.sams_case.pk}").status_code == status


def test_wrong_role_gets_a_403_and_nothing_changes(world: World) -> None:
    # dee, the team administrator, can see cases but not judge risk.
    response = world.client_for(world.dee).post(
        f"/api/v1/cases/{world.sams_case.pk}/risk",
        {"level": "low", "reason": "looks settled"},
        content_type="application/json",
    )
    assert response.status_code == 403
    world.sams_case.refresh_from_db()
    assert world.sams_case.risk_level == "high"


def test_bad_input_gets_a_message_a_person_can_act_on(world: World) -> None:
    # Never a 500, and the message is asserted exactly: it is part of the product.
    response = world.client_for(world.sam).put(
        "/api/v1/me/availability",
        {"status": "asleep"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "available" in response.content.decode()


def test_sensitive_reads_leave_an_audit_entry(world: World) -> None:
    # Every read of case content is audited, so a test of a read checks the log too.
    world.client_for(world.jo).get(f"/api/v1/cases/{world.sams_case.pk}")
    entry = AuditEntry.objects.filter(action="case.viewed").last()
    assert entry is not None
    assert (entry.actor, entry.target_id) == (world.jo, str(world.sams_case.pk))


def test_anonymous_requests_are_turned_away(client: Client, world: World) -> None:
    # `client` is pytest-django's anonymous client: the API answers 401 with a reason.
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


def test_actions_refuse_what_the_interface_forgot_to_check(world: World) -> None:
    # Actions check permission themselves, so a new interface cannot skip it.
    with pytest.raises(Forbidden):
        case_actions.change_risk(actor=world.dee, case=world.sams_case, level="low", reason="x")


def test_a_websocket_test_opens_real_sockets_on_a_real_server(live: Live) -> None:  # noqa: F811
    # `live` is one `ropeteam demo` per test session (tests/live/conftest.py); `Socket` is a
    # real websocket client. Assert what the other person's socket receives, and that a
    # teammate outside the conversation receives nothing.
    conversation = live.conversation("sam", "morgan")

    async def scenario() -> None:
        sam = await Socket.join(live.url, live.token("sam"))
        morgan = await Socket.join(live.url, live.token("morgan"))
        jo = await Socket.join(live.url, live.token("jo"))
        client_id = await sam.say(conversation, "Back at the office by four")
        ack = await sam.next("ack")  # the sender knows it is stored
        message = await morgan.next("message")  # the receiver sees it
        assert (ack["client_id"], message["body"]) == (client_id, "Back at the office by four")
        assert await jo.fence() == []
        for socket in (sam, morgan, jo):
            await socket.close()

    asyncio.run(scenario())


def test_a_list_page_has_a_query_budget(world: World) -> None:
    # Pages read the database a fixed number of times, whatever the team's size: count the
    # queries, then grow the data and count again (tests/web/test_queries.py does it for
    # every list page).
    client = world.client_for(world.priya)

    def reads() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/teams/{world.northside.pk}/cases").status_code == 200
        return len(captured)

    reads()  # the first request of a session also records when it was last used
    before = reads()
    for i in range(5):
        case_actions.open_case(
            actor=world.priya,
            team=world.northside,
            reference=f"BUDGET-{i}",
            initials="AB",
            age_band="15_17",
            risk_level="low",
            keyworker_ids=[world.sam.pk],
        )
    assert reads() == before


def test_a_deadline_is_tested_by_running_the_engine_at_its_instant(world: World) -> None:
    # Timed steps are rows on the escalation engine. Ask it when the next one is due and run
    # it at that instant (and a second before): no sleeping, no mocked clock.
    concern = concerns.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=Statement(
            noticed="The Friday visit plan has no second worker", asking="Can we talk today?"
        ),
    )
    due = engine.next_due(ladder=concerns.LADDER, subject_id=concern.pk)
    assert due is not None
    assert engine.run_due(now=due - timedelta(seconds=1)) == 0
    assert engine.run_due(now=due) == 1
    resent = AuditEntry.objects.filter(action="concerns.resent", target_id=str(concern.pk))
    assert resent.count() == 1


def test_an_action_publishes_a_typed_event_to_its_audience_once_committed(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    # Domains reach sockets only through `publish_on_commit(event)`. Catch what is published
    # and assert the event's class, its fields and its audience; the frame on the wire is
    # made from them (tests/live shows a real socket receiving one).
    published: list[Publishable] = []
    monkeypatch.setattr(publishing, "publish", published.append)
    with django_capture_on_commit_callbacks(execute=True):
        request = thinking.request_help(
            actor=world.sam,
            team=world.northside,
            task="decision",
            urgency="now",
            mode="chat",
            ask=thinking.Ask("rope"),
        )
        assert published == []  # nothing is told before the change commits
    [event] = [e for e in published if isinstance(e, ThinkingChanged)]
    assert (event.event, event.consultation, event.seeker) == (
        "requested",
        request.pk,
        world.sam.pk,
    )
    assert world.jo.pk in event.audience.user_ids
    assert world.kim.pk not in event.audience.user_ids  # another team hears nothing
    assert event.wire()["type"] == "thinking"
