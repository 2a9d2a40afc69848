"""Field visits over HTTP: who sees a visit (and where it is), who may act on it.

sam is out with jo holding the rope; priya leads Northside; alex is a teammate with no part
in it (the outsider walk in tests/api covers Riverside).
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ropeteam.visits import actions
from ropeteam.visits.models import Visit
from tests.api.conftest import Api, audit_entries, iso, token_for
from tests.conftest import World


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def visit(world: World) -> Visit:
    out = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + timedelta(hours=1),
        rope_holder_id=world.jo.pk,
        case_id=world.sams_case.pk,
    )
    return actions.hold_rope(actor=world.jo, visit=out)


def test_going_out_over_http_names_the_rope_holder_and_the_time(
    world: World, api: Callable[[str], Api]
) -> None:
    end = timezone.now() + timedelta(minutes=45)
    response = api("sam").call(
        "POST",
        f"/teams/{world.northside.pk}/visits",
        {"location": "The park by the station", "expected_end": iso(end), "note": "With JT"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["rope_holder_id"]) == ("awaiting_rope", world.jo.pk)
    assert body["location"] == "The park by the station"


def test_a_visit_and_where_it_is_are_for_those_concerned_only(
    world: World, api: Callable[[str], Api], visit: Visit
) -> None:
    path = f"/visits/{visit.pk}"
    for name in ("sam", "jo", "priya"):
        response = api(name).call("GET", path)
        assert response.status_code == 200
        assert response.json()["location"] == "Flat 3, Harbour Court"
    assert api("alex").call("GET", path).status_code == 404
    assert api("morgan").call("GET", path).status_code == 404
    # The visit is linked to a case: each read is audited.
    assert len(audit_entries("visits.viewed")) == 3


def test_whos_out_now_shows_a_lead_everyone_and_others_their_own(
    world: World, api: Callable[[str], Api], visit: Visit
) -> None:
    path = f"/teams/{world.northside.pk}/visits"
    assert [v["id"] for v in api("priya").call("GET", path).json()] == [visit.pk]
    assert [v["id"] for v in api("jo").call("GET", path).json()] == [visit.pk]
    assert api("alex").call("GET", path).json() == []


def test_only_the_worker_checks_in_extends_ends_or_raises_the_alarm(
    world: World, api: Callable[[str], Api], visit: Visit
) -> None:
    path = f"/visits/{visit.pk}"
    for action, body in (("check-in", None), ("extend", {"minutes": 15}), ("alarm", None)):
        assert api("jo").call("POST", f"{path}/{action}", body).status_code == 403
    first = api("sam").call("POST", f"{path}/alarm")
    again = api("sam").call("POST", f"{path}/alarm")  # resent from a dead zone
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert sorted(first.json()["told"]) == sorted([world.jo.pk, world.priya.pk])
    assert api("sam").call("POST", f"{path}/extend", {"minutes": 0}).status_code == 422
    assert api("sam").call("POST", f"{path}/end").json()["state"] == "ended"
    assert api("sam").call("POST", f"{path}/check-in").status_code == 409


def test_an_alert_is_acknowledged_and_resolved_by_whoever_it_told(
    world: World, api: Callable[[str], Api], visit: Visit
) -> None:
    alarm = api("sam").call("POST", f"/visits/{visit.pk}/alarm").json()
    path = f"/alerts/{alarm['id']}"
    assert api("alex").call("POST", f"{path}/acknowledge").status_code == 404
    assert api("sam").call("POST", f"{path}/acknowledge").status_code == 403
    taken = api("jo").call("POST", f"{path}/acknowledge")
    assert taken.json()["acknowledged_by_id"] == world.jo.pk
    done = api("priya").call("POST", f"{path}/resolve", {"outcome": "Reached her, safe"})
    assert done.status_code == 200 and done.json()["outcome"] == "Reached her, safe"
    # A second answer does not overwrite the first.
    again = api("jo").call("POST", f"{path}/resolve", {"outcome": "Called her mum"})
    assert again.status_code == 409
    assert again.json()["detail"] == "What happened has already been recorded for this alert."
    assert api("jo").call("GET", f"/visits/{visit.pk}").json()["escalations"][0]["outcome"] == (
        "Reached her, safe"
    )


def test_only_the_lead_sets_the_chain(world: World, api: Callable[[str], Api]) -> None:
    path = f"/teams/{world.northside.pk}/visits/chain"
    chain = {
        "prompt_seconds": 0,
        "rope_holder_seconds": 300,
        "duty_lead_seconds": 900,
        "team_lead_seconds": 1800,
    }
    assert api("sam").call("GET", path).json()["rope_holder_seconds"] == 600  # the default
    assert api("sam").call("PUT", path, chain).status_code == 403
    assert api("priya").call("PUT", path, chain).json() == chain
    wrong = chain | {"duty_lead_seconds": 100}
    assert api("priya").call("PUT", path, wrong).status_code == 400
