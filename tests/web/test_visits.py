"""Field visits in the browser without script: going out, the visit page, the board, the
escalation times, and who may see or press what."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.escalation import engine
from ropeteam.escalation.models import Step as ChainStep
from ropeteam.people import actions as people
from ropeteam.visits import actions
from ropeteam.visits.flow import State, Step
from ropeteam.visits.models import ALARM, ChainSettings, Escalation, Visit
from tests.conftest import World
from tests.web.conftest import page_text, refused

WHERE = "Flat 3, Harbour Court"
MINUTE = timedelta(minutes=1)


def _out(world: World, *, held: bool = True, minutes: int = 60) -> Visit:
    """Sam is out with jo holding the rope."""
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location=WHERE,
        expected_end=timezone.now() + timedelta(minutes=minutes),
        rope_holder_id=world.jo.pk,
        note="Dog in the yard",
    )
    return actions.hold_rope(actor=world.jo, visit=visit) if held else visit


def _overdue(world: World) -> Escalation:
    """Sam is past his time and the rope holder has been alerted."""
    visit = _out(world)
    past = timezone.now() - timedelta(minutes=11)
    earlier = Visit.objects.get(pk=visit.pk).expected_end - past
    Visit.objects.filter(pk=visit.pk).update(expected_end=past)
    # Its chain was planned from the end it had: move its steps back by as much.
    ChainStep.objects.filter(chain__ladder=actions.CHAIN, chain__subject_id=visit.pk).update(
        due_at=F("due_at") - earlier
    )
    engine.run_due()
    return Escalation.objects.get(visit=visit, step=Step.ROPE_HOLDER)


def _without_token(response: Any) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page_text(response))


PAGES = ["web:visits", "web:visit_new", "web:visit_chain"]
VISIT_POSTS = [
    "web:visit_hold",
    "web:visit_check_in",
    "web:visit_extend",
    "web:visit_end",
    "web:visit_alarm",
    "web:visit_hand_over",
]
ALERT_POSTS = ["web:visit_acknowledge", "web:visit_resolve"]


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_visit_pages(db: None, name: str) -> None:
    url = reverse(name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", ["web:visit", *VISIT_POSTS])
def test_anonymous_visitor_is_sent_to_sign_in_from_a_visit(world: World, name: str) -> None:
    url = reverse(name, args=[_out(world).pk])
    response = Client().post(url) if name in VISIT_POSTS else Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", ALERT_POSTS)
def test_anonymous_visitor_is_sent_to_sign_in_from_an_alert(world: World, name: str) -> None:
    url = reverse(name, args=[_overdue(world).pk])
    response = Client().post(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", [*VISIT_POSTS, *ALERT_POSTS])
def test_visit_buttons_only_accept_post(world: World, as_user: Any, name: str) -> None:
    assert as_user("sam").get(reverse(name, args=[1])).status_code == 405


@pytest.mark.parametrize("name", ["web:visit", *VISIT_POSTS])
def test_other_team_gets_404_for_a_visit_like_a_missing_one(
    world: World, as_user: Any, name: str
) -> None:
    visit = _out(world)
    kim = as_user("kim")
    send = kim.post if name in VISIT_POSTS else kim.get
    found = send(reverse(name, args=[visit.pk]))
    missing = send(reverse(name, args=[visit.pk + 1000]))
    assert found.status_code == missing.status_code == 404
    assert _without_token(found) == _without_token(missing)
    assert WHERE not in page_text(found)


@pytest.mark.parametrize("name", ALERT_POSTS)
def test_other_team_gets_404_for_an_alert_like_a_missing_one(
    world: World, as_user: Any, name: str
) -> None:
    alert = _overdue(world)
    kim = as_user("kim")
    found = kim.post(reverse(name, args=[alert.pk]), {"outcome": "x"})
    missing = kim.post(reverse(name, args=[alert.pk + 1000]), {"outcome": "x"})
    assert found.status_code == missing.status_code == 404
    assert _without_token(found) == _without_token(missing)
    assert Escalation.objects.get(pk=alert.pk).acknowledged_by is None


@pytest.mark.parametrize("name", ["web:visit", *VISIT_POSTS])
def test_teammate_not_concerned_gets_404_for_a_visit(world: World, as_user: Any, name: str) -> None:
    visit = _out(world)
    alex = as_user("alex")
    response = (alex.post if name in VISIT_POSTS else alex.get)(reverse(name, args=[visit.pk]))
    assert response.status_code == 404
    assert WHERE not in page_text(response)
    assert Visit.objects.get(pk=visit.pk).alarm_at is None


@pytest.mark.parametrize("name", ALERT_POSTS)
def test_teammate_not_concerned_gets_404_for_an_alert(
    world: World, as_user: Any, name: str
) -> None:
    alert = _overdue(world)
    response = as_user("alex").post(reverse(name, args=[alert.pk]), {"outcome": "x"})
    assert response.status_code == 404
    assert Escalation.objects.get(pk=alert.pk).resolved_by is None


def test_a_lead_who_sees_someone_overdue_takes_the_alert_before_the_chain_reaches_her(
    world: World, as_user: Any
) -> None:
    alert = _overdue(world)  # told: jo, the rope holder; the duty-lead step has not fired
    priya = as_user("priya")
    page = reverse("web:visit", args=[alert.visit_id])
    assert "I'm on it" in page_text(priya.get(page))
    response = priya.post(reverse("web:visit_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    assert Escalation.objects.get(pk=alert.pk).acknowledged_by == world.priya
    assert "Priya is on it" in page_text(as_user("jo").get(page))


def test_only_the_worker_presses_the_worker_buttons(world: World, as_user: Any) -> None:
    visit = _out(world)
    response = as_user("jo").post(reverse("web:visit_alarm", args=[visit.pk]))
    assert response.status_code == 403
    assert Visit.objects.get(pk=visit.pk).alarm_at is None


def test_practitioner_gets_403_for_changing_the_escalation_times(
    world: World, as_user: Any
) -> None:
    data = {"prompt_worker": 0, "rope_holder": 1, "duty_lead": 2, "team_lead": 3}
    response = as_user("sam").post(reverse("web:visit_chain"), data)
    assert response.status_code == 403
    assert not ChainSettings.objects.exists()


def test_other_teams_visits_are_not_on_my_board(world: World, as_user: Any) -> None:
    _out(world)
    html = page_text(as_user("kim").get(reverse("web:visits")))
    assert "Sam" not in html


# --- going out ------------------------------------------------------------------------------


def test_going_out_in_a_few_taps_asks_my_first_available_rope_holder(
    world: World, as_user: Any
) -> None:
    sam = as_user("sam")
    form = page_text(sam.get(reverse("web:visit_new")))
    assert "My first available rope holder" in form
    assert "never in alerts" in form
    response = sam.post(reverse("web:visit_new"), {"location": WHERE, "back_in": "30"})
    visit = Visit.objects.get()
    assert response["Location"] == reverse("web:visit", args=[visit.pk])
    assert visit.rope_holder_id == world.jo.pk
    assert visit.state == State.AWAITING_ROPE
    left = visit.expected_end - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)


def test_going_out_with_a_back_by_time_and_a_chosen_rope_holder(world: World, as_user: Any) -> None:
    back = timezone.localtime() + timedelta(minutes=90)
    data = {
        "location": WHERE,
        "back_by": back.strftime("%H:%M"),
        "rope_holder_id": world.morgan.pk,
        "case_id": world.sams_case.pk,
        "note": "Dog in the yard",
    }
    as_user("sam").post(reverse("web:visit_new"), data)
    visit = Visit.objects.get()
    assert (visit.rope_holder_id, visit.case_id) == (world.morgan.pk, world.sams_case.pk)
    assert abs(visit.expected_end - back.replace(second=0, microsecond=0)) < timedelta(minutes=1)


def test_going_out_without_saying_where_is_refused_beside_the_field(
    world: World, as_user: Any
) -> None:
    response = as_user("sam").post(reverse("web:visit_new"), {"location": " ", "back_in": "60"})
    assert refused(response, "This field is required.")
    assert not Visit.objects.exists()


def test_the_case_is_offered_to_those_who_see_cases(world: World, as_user: Any) -> None:
    assert "NS-1" in page_text(as_user("sam").get(reverse("web:visit_new")))


def test_home_and_nav_lead_to_visits(world: World, as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert reverse("web:visit_new") in html
    assert reverse("web:visits") in html


# --- the visit page -------------------------------------------------------------------------


def test_the_rope_holder_accepts_and_sees_where_and_the_note(world: World, as_user: Any) -> None:
    visit = _out(world, held=False)
    jo = as_user("jo")
    html = page_text(jo.get(reverse("web:visit", args=[visit.pk])))
    assert "I hold your rope" in html
    assert WHERE in html
    assert "Dog in the yard" in html
    jo.post(reverse("web:visit_hold", args=[visit.pk]))
    assert Visit.objects.get(pk=visit.pk).state == State.OUT
    html = page_text(as_user("sam").get(reverse("web:visit", args=[visit.pk])))
    assert "Rope held by Jo." in html


def test_the_worker_checks_in_extends_and_ends(world: World, as_user: Any) -> None:
    visit = _out(world)
    sam = as_user("sam")
    html = page_text(sam.get(reverse("web:visit", args=[visit.pk])))
    for words in ("I&#x27;m OK", "+15 min", "+30 min", "Safe, done", "Alarm"):
        assert words.replace("&#x27;", "'") in html
    sam.post(reverse("web:visit_check_in", args=[visit.pk]))
    assert Visit.objects.get(pk=visit.pk).last_check_in is not None
    sam.post(reverse("web:visit_extend", args=[visit.pk]), {"minutes": "15"})
    extended = Visit.objects.get(pk=visit.pk)
    assert extended.expected_end - visit.expected_end == timedelta(minutes=15)
    sam.post(reverse("web:visit_end", args=[visit.pk]))
    assert Visit.objects.get(pk=visit.pk).state == State.ENDED


def test_the_alarm_without_script_says_who_was_alerted_and_twice_is_once(
    world: World, as_user: Any
) -> None:
    visit = _out(world)
    sam = as_user("sam")
    url = reverse("web:visit_alarm", args=[visit.pk])
    assert sam.post(url)["Location"] == reverse("web:visit", args=[visit.pk])
    sam.post(url)
    assert Escalation.objects.filter(visit=visit, step=ALARM).count() == 1
    html = page_text(sam.get(reverse("web:visit", args=[visit.pk])))
    assert "Alarm sent: " in html
    assert "Jo" in html
    assert "data-alarm-sent" in html


def test_the_rope_holder_takes_the_alert_and_records_what_happened(
    world: World, as_user: Any
) -> None:
    alert = _overdue(world)
    jo = as_user("jo")
    page = reverse("web:visit", args=[alert.visit_id])
    assert "I'm on it" in page_text(jo.get(page))
    jo.post(reverse("web:visit_acknowledge", args=[alert.pk]))
    jo.post(reverse("web:visit_resolve", args=[alert.pk]), {"outcome": "Reached him, safe"})
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.resolved_by) == (world.jo, world.jo)
    html = page_text(as_user("priya").get(page))
    assert "Jo is on it" in html
    assert "Reached him, safe" in html


def test_recording_what_happened_twice_says_it_is_recorded_already(
    world: World, as_user: Any
) -> None:
    alert = _overdue(world)
    jo = as_user("jo")
    url = reverse("web:visit_resolve", args=[alert.pk])
    jo.post(url, {"outcome": "Reached him, safe"})
    response = jo.post(url, {"outcome": "Reached him again"}, follow=True)
    assert "What happened has already been recorded for this alert." in page_text(response)
    assert Escalation.objects.get(pk=alert.pk).outcome == "Reached him, safe"


# --- the board ------------------------------------------------------------------------------


def test_the_board_shows_overdue_first_and_never_where(world: World, as_user: Any) -> None:
    later = _out(world, minutes=90)
    overdue = _overdue(world)
    html = page_text(as_user("priya").get(reverse("web:visits")))
    assert WHERE not in html
    assert "Dog in the yard" not in html
    first = html.index(reverse("web:visit", args=[overdue.visit_id]))
    assert first < html.index(reverse("web:visit", args=[later.pk]))
    assert "Overdue by" in html
    assert "The rope holder was alerted" in html


def test_a_practitioner_sees_only_their_own_and_held_visits(world: World, as_user: Any) -> None:
    _out(world)
    assert "Sam" not in page_text(as_user("alex").get(reverse("web:visits"))).split("<main")[1]
    assert "Sam" in page_text(as_user("jo").get(reverse("web:visits"))).split("<main")[1]


# --- the escalation times -------------------------------------------------------------------


def test_the_lead_sets_the_escalation_times_in_minutes(world: World, as_user: Any) -> None:
    priya = as_user("priya")
    html = page_text(priya.get(reverse("web:visit_chain")))
    assert "10 minutes after" in html
    data = {"prompt_worker": 0, "rope_holder": 5, "duty_lead": 15, "team_lead": 25}
    assert priya.post(reverse("web:visit_chain"), data).status_code == 302
    assert actions.chain_for(world.northside)[Step.ROPE_HOLDER] == timedelta(minutes=5)


def test_the_escalation_times_say_what_will_happen_in_words_that_count(
    world: World, as_user: Any
) -> None:
    priya = as_user("priya")
    data = {"prompt_worker": 0, "rope_holder": 1, "duty_lead": 2, "team_lead": 25}
    assert priya.post(reverse("web:visit_chain"), data).status_code == 302
    html = " ".join(page_text(priya.get(reverse("web:visit_chain"))).split())
    assert "The rope holder will be alerted" in html
    assert "The rope holder was alerted" not in html
    assert "This team: 1 minute after" in html
    assert "This team: 2 minutes after" in html
    assert "1 minutes" not in html
    assert "will be alerted again every 5 minutes until someone says they are on it" in html


def test_escalation_times_out_of_order_are_refused(world: World, as_user: Any) -> None:
    data = {"prompt_worker": 0, "rope_holder": 15, "duty_lead": 5, "team_lead": 25}
    response = as_user("priya").post(reverse("web:visit_chain"), data)
    assert refused(response, "Each escalation step must come after the one before.")


def test_a_practitioner_reads_the_escalation_times_without_a_form(
    world: World, as_user: Any
) -> None:
    html = page_text(as_user("sam").get(reverse("web:visit_chain")))
    assert "Only a team lead can change them." in html
    assert 'name="rope_holder"' not in html


def test_the_rope_holder_hands_the_rope_to_a_colleague_who_must_accept_it(
    world: World, as_user: Any
) -> None:
    visit = _out(world)
    page = as_user("jo").get(reverse("web:visit", args=[visit.pk]))
    assert 'id="hand-over"' in page_text(page)
    assert f'value="{world.sam.pk}"' not in page_text(page).split('id="hand-over"')[1]
    response = as_user("jo").post(
        reverse("web:visit_hand_over", args=[visit.pk]), {"to": world.morgan.pk}
    )
    assert response.status_code == 302
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.rope_holder_id, stored.state) == (world.morgan.pk, State.AWAITING_ROPE)
    # Someone with no part in it cannot pass it on, nor learn that it exists.
    other = as_user("alex").post(
        reverse("web:visit_hand_over", args=[visit.pk]), {"to": world.alex.pk}
    )
    assert other.status_code == 404
    assert Visit.objects.get(pk=visit.pk).rope_holder_id == world.morgan.pk


def test_handing_over_to_nobody_or_an_outsider_is_refused_with_a_reason(
    world: World, as_user: Any
) -> None:
    visit = _out(world)
    for to in ("", "x", str(world.kim.pk)):
        response = as_user("jo").post(
            reverse("web:visit_hand_over", args=[visit.pk]), {"to": to}, follow=True
        )
        assert response.status_code == 200
        assert "No such colleague" in page_text(response) or "Choose the colleague" in page_text(
            response
        )
    assert Visit.objects.get(pk=visit.pk).rope_holder_id == world.jo.pk


# --- the worker is told what is happening ---------------------------------------------------


def _sams_page(world: World) -> str:
    visit = Visit.objects.get(worker=world.sam)
    return page_text(world.client_for(world.sam).get(reverse("web:visit", args=[visit.pk])))


@pytest.mark.hazard("H3")
def test_the_worker_is_told_who_was_alerted_and_whom_to_call_until_someone_is_on_it(
    world: World,
) -> None:
    people.set_phone(actor=world.priya, phone="07700 900101")
    world.organisation.out_of_hours_contact = "Emergency duty team 0300 555 0123"
    world.organisation.save()
    alert = _overdue(world)
    text = _sams_page(world)
    assert re.search(r"Jo has been alerted \(\d\d:\d\d\)", text)
    assert "Nobody has answered yet. Call the duty lead: Priya" in text
    assert 'href="tel:07700900101"' in text
    assert "Out of hours" not in text  # the chain has not reached it yet

    engine.run_due(now=alert.fired_at + 30 * MINUTE)  # the duty lead, then the top step
    text = _sams_page(world)
    assert "Priya and the out-of-hours contact have been alerted" in text
    assert "Out of hours: Emergency duty team 0300 555 0123" in text

    top = Escalation.objects.get(visit=alert.visit, step=Step.TEAM_LEAD)
    actions.acknowledge(actor=world.priya, escalation=top)
    text = _sams_page(world)
    assert re.search(r"Priya is on it \(since \d\d:\d\d\)", text)
    assert "Nobody has answered yet" not in text


def test_before_anyone_else_is_alerted_the_worker_hears_when_the_next_alert_goes(
    world: World,
) -> None:
    visit = _out(world)
    assert "What is happening" not in _sams_page(world)  # nothing has fired yet
    end = Visit.objects.get(pk=visit.pk).expected_end
    engine.run_due(now=end)
    text = _sams_page(world)
    assert "You were asked if you are OK" in text
    assert "Nobody has answered yet" not in text
    assert "Next alert:" in text
