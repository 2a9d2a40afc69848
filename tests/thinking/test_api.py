"""Thinking Together over HTTP: who may do what, and what each person sees.

sam asks his rope (jo, morgan); morgan accepts. priya leads Northside; alex is a teammate
who was never asked; kim leads Riverside (the outsider walk in tests/api covers her).
"""

from collections.abc import Callable
from typing import Any

import pytest

from ropeteam.thinking import actions
from ropeteam.thinking.flow import Step
from ropeteam.thinking.models import Consultation
from tests.api.conftest import Api, audit_entries
from tests.conftest import World


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    from django.test import Client

    from tests.api.conftest import token_for

    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def consultation(world: World) -> Consultation:
    """sam's request with a case, accepted by morgan and closed with notes."""
    asked = actions.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="phone",
        ask=actions.Ask("rope"),
        case_id=world.sams_case.pk,
    )
    accepted = actions.accept(actor=world.morgan, consultation=asked)
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        accepted = actions.move(actor=world.sam, consultation=accepted, step=step)
    return actions.record_outcome(
        actor=world.sam,
        consultation=accepted,
        met="yes",
        next_step="close",
        notes="Worried about going alone",
        actions=[actions.Agreed(world.sam.pk, "Ask jo to come along")],
    )


def test_asking_over_http_answers_with_the_request_and_whom_it_went_to(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("sam").call(
        "POST",
        f"/teams/{world.northside.pk}/thinking",
        {
            "task": "plan",
            "task_note": "Next steps with JT",
            "urgency": "now",
            "mode": "chat",
            "ask": "rope",
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["seeker_id"], body["circle"]) == ("requested", world.sam.pk, 2)
    assert {a["user_id"] for a in body["asked"]} == {world.jo.pk, world.morgan.pk}
    assert body["outcome"] is None


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"task": "gossip", "urgency": "now", "mode": "chat", "ask": "rope"}, 422, "task"),
        ({"task": "plan", "urgency": "now", "mode": "chat", "ask": "everyone"}, 400, "ask"),
        ({"task": "plan", "urgency": "now", "mode": "chat", "ask": "named"}, 400, "named_id"),
        (
            {"task": "plan", "urgency": "now", "mode": "chat", "ask": "rope", "steadiness": 11},
            422,
            "steadiness",
        ),
        (
            {
                "task": "plan",
                "urgency": "now",
                "mode": "chat",
                "ask": "rope",
                "task_note": "x" * 281,
            },
            422,
            "task_note",
        ),
    ],
)
def test_a_bad_request_is_refused_with_a_message_and_stores_nothing(
    world: World, api: Callable[[str], Api], payload: dict[str, Any], status: int, field: str
) -> None:
    response = api("sam").call("POST", f"/teams/{world.northside.pk}/thinking", payload)
    assert response.status_code == status
    body = response.json()
    assert body["detail"]
    assert body["field"] == field or any(e.get("field") == field for e in body.get("errors", []))
    assert not Consultation.objects.exists()


def test_those_in_the_session_read_its_notes_and_someone_only_asked_does_not(
    world: World, api: Callable[[str], Api], consultation: Consultation
) -> None:
    path = f"/thinking/{consultation.pk}"
    for name in ("sam", "morgan"):
        outcome = api(name).call("GET", path).json()["outcome"]
        assert outcome["notes"] == "Worried about going alone"
    jo = api("jo").call("GET", path)  # asked, did not take part
    assert jo.status_code == 200
    assert jo.json()["outcome"]["notes"] is None
    assert jo.json()["actions"] == []
    # Every read of this case-linked session is audited.
    assert len(audit_entries("thinking.viewed")) == 3


def test_the_lead_reads_a_session_only_once_the_help_seeker_shares_it(
    world: World, api: Callable[[str], Api], consultation: Consultation
) -> None:
    path = f"/thinking/{consultation.pk}"
    assert api("priya").call("GET", path).status_code == 404
    assert api("alex").call("GET", path).status_code == 404
    assert api("morgan").call("PUT", f"{path}/shared", {"shared": True}).status_code == 403
    assert api("sam").call("PUT", f"{path}/shared", {"shared": True}).status_code == 200
    shared = api("priya").call("GET", path)
    assert shared.status_code == 200
    assert shared.json()["outcome"]["notes"] == "Worried about going alone"
    assert api("alex").call("GET", path).status_code == 404  # shared with the lead only


def test_only_the_lead_sees_the_teams_figures_and_they_name_nobody(
    world: World, api: Callable[[str], Api], consultation: Consultation
) -> None:
    path = f"/teams/{world.northside.pk}/thinking/activity"
    for name in ("sam", "morgan", "dee", "admin"):
        assert api(name).call("GET", path).status_code == 403
    figures = api("priya").call("GET", path)
    assert figures.status_code == 200
    assert (figures.json()["requested"], figures.json()["closed"]) == (1, 1)
    text = figures.content.decode()
    for word in ("sam", "morgan", "Worried", "JT", "NS-1"):
        assert word.lower() not in text.lower()
    # Figures only: counts by mode, outcome and next step; nothing keyed by person.
    assert not any("user" in key or "seeker" in key or "helper" in key for key in figures.json())


def test_only_the_lead_sets_the_waits(world: World, api: Callable[[str], Api]) -> None:
    path = f"/teams/{world.northside.pk}/thinking/waits"
    waits = {"now_seconds": 120, "within_hour_seconds": 900, "today_seconds": 7200}
    assert api("sam").call("PUT", path, waits).status_code == 403
    assert api("sam").call("GET", path).json()["now_seconds"] == 180  # the default
    assert api("priya").call("PUT", path, waits).json() == waits
    assert api("sam").call("GET", path).json() == waits
    assert api("priya").call("PUT", path, waits | {"now_seconds": 0}).status_code == 422


def test_only_those_asked_answer_and_only_those_in_it_move_the_steps(
    world: World, api: Callable[[str], Api]
) -> None:
    asked = actions.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=actions.Ask("rope"),
    )
    path = f"/thinking/{asked.pk}"
    assert api("alex").call("POST", f"{path}/accept").status_code == 404
    assert api("jo").call("POST", f"{path}/cancel").status_code == 403
    accepted = api("morgan").call("POST", f"{path}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["conversation_id"] is not None
    taken = api("jo").call("POST", f"{path}/accept")
    assert taken.status_code == 409
    assert taken.json()["detail"] == "Someone else has already accepted this request."
    assert api("jo").call("POST", f"{path}/step", {"step": 2}).status_code == 403
    assert api("morgan").call("POST", f"{path}/step", {"step": 3}).status_code == 400
    assert api("morgan").call("POST", f"{path}/step", {"step": 2}).json()["step"] == 2
    outcome = api("morgan").call("POST", f"{path}/outcome", {"met": "yes", "next_step": "close"})
    assert outcome.status_code == 403  # the help-seeker records the outcome


def test_my_actions_are_mine_to_complete(
    world: World, api: Callable[[str], Api], consultation: Consultation
) -> None:
    (mine,) = api("sam").call("GET", "/me/actions").json()
    assert mine["what"] == "Ask jo to come along"
    assert api("morgan").call("GET", "/me/actions").json() == []
    assert api("morgan").call("POST", f"/me/actions/{mine['id']}/done").status_code == 404
    done = api("sam").call("POST", f"/me/actions/{mine['id']}/done")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert api("sam").call("GET", "/me/actions").json() == []


def test_a_quick_record_needs_a_colleague_from_the_team(
    world: World, api: Callable[[str], Api]
) -> None:
    path = f"/teams/{world.northside.pk}/thinking/quick"
    record = {"task": "steadier", "mode": "face_to_face", "met": "partly", "next_step": "close"}
    assert api("sam").call("POST", path, record | {"helper_id": world.kim.pk}).status_code == 404
    made = api("sam").call(
        "POST", path, record | {"helper_id": world.jo.pk, "steadiness_before": 3}
    )
    assert made.status_code == 201
    assert (made.json()["state"], made.json()["is_quick_record"]) == ("closed", True)
    history = api("jo").call("GET", f"/teams/{world.northside.pk}/thinking").json()
    assert [c["id"] for c in history] == [made.json()["id"]]


def test_a_session_is_shared_for_supervision_only_once_its_outcome_is_recorded(
    world: World, api: Callable[[str], Api]
) -> None:
    asked = actions.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="phone",
        ask=actions.Ask("rope"),
    )
    actions.accept(actor=world.jo, consultation=asked)
    response = api("sam").call("PUT", f"/thinking/{asked.pk}/shared", {"shared": True})
    assert response.status_code == 409
    assert not Consultation.objects.get(pk=asked.pk).shared_for_supervision


def test_completing_an_action_is_audited(
    world: World, api: Callable[[str], Api], consultation: Consultation
) -> None:
    (mine,) = api("sam").call("GET", "/me/actions").json()
    api("sam").call("POST", f"/me/actions/{mine['id']}/done")
    assert len(audit_entries("thinking.action_done")) == 1
