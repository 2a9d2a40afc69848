"""Concerns in the browser without script: raising one, the concern page by role, my
concerns, the home screen, the lead's figures and times, and who may see or press what.

alex (newly qualified) raises concerns with morgan (senior); priya leads Northside and gets
them only once escalated; jo is a third colleague who must never learn one exists; kim leads
Riverside.
"""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ropeteam.concerns import actions
from ropeteam.concerns.actions import Statement
from ropeteam.concerns.flow import Level, State
from ropeteam.concerns.models import Concern, Entry, Times
from ropeteam.escalation.models import Chain
from ropeteam.thinking.models import Consultation
from tests.concerns.test_actions import fire as _fire
from tests.conftest import World
from tests.web.conftest import page_text, refused

SAID = Statement(
    noticed="The Friday visit plan has no second worker",
    matters="I worry about you going alone",
    suggest="Could we pair up?",
    asking="Can we talk it through today?",
)


def _raise(world: World, level: str = "probe", **changes: Any) -> Concern:
    """Alex raises a concern with Morgan."""
    fields: dict[str, Any] = {
        "actor": world.alex,
        "team": world.northside,
        "colleague_id": world.morgan.pk,
        "level": level,
        "statement": SAID,
    }
    return actions.raise_concern(**(fields | changes))


def _escalated(world: World) -> Concern:
    concern = _raise(world)
    _fire(concern)
    _fire(concern)
    return Concern.objects.get(pk=concern.pk)


def _url(name: str, concern: Concern | int) -> str:
    return reverse(name, args=[concern if isinstance(concern, int) else concern.pk])


def _without_token(response: Any) -> str:
    """The page as people read it: the masked CSRF token differs on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page_text(response))


def _main(response: Any) -> str:
    return page_text(response).split("<main")[1]


def _written(concern: Concern) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    row = Concern.objects.get(pk=concern.pk)
    entries = list(Entry.objects.filter(concern=concern).values_list("kind", flat=True))
    chains = list(
        Chain.objects.filter(subject_id=concern.pk).values_list("state", "acknowledged_by_id")
    )
    return (
        row.state,
        row.level,
        row.resolution,
        row.escalated_at,
        row.consultation_id,
        entries,
        chains,
    )


PAGES = ["web:concerns", "web:concern_new", "web:concern_activity", "web:concern_times"]
POSTS = [
    "web:concern_respond",
    "web:concern_step_up",
    "web:concern_challenge",
    "web:concern_resolve",
    "web:concern_take_on",
]
# What each form would do if it were let through.
FILLED = {
    "web:concern_respond": {"respond-response": "acknowledge", "respond-text": "Heard"},
    "web:concern_step_up": {"step-asking": "Please stop"},
    "web:concern_challenge": {"challenge-asking": "Please stop"},
    "web:concern_resolve": {"resolve-resolution": "resolved"},
    "web:concern_take_on": {},
}


# --- permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_concern_pages(db: None, name: str) -> None:
    url = reverse(name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", ["web:concern", *POSTS])
def test_anonymous_visitor_is_sent_to_sign_in_from_a_concern(world: World, name: str) -> None:
    url = _url(name, _raise(world))
    response = Client().post(url) if name in POSTS else Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", POSTS)
def test_concern_buttons_only_accept_post(world: World, as_user: Any, name: str) -> None:
    assert as_user("alex").get(_url(name, 1)).status_code == 405


@pytest.mark.parametrize("who", ["jo", "priya", "kim", "dee"])
@pytest.mark.parametrize("name", ["web:concern", *POSTS])
def test_anyone_but_the_two_gets_the_404_of_a_missing_concern_and_changes_nothing(
    world: World, as_user: Any, who: str, name: str
) -> None:
    concern = _raise(world, level="challenge")  # every form applies at Challenge
    before = _written(concern)
    client = as_user(who)
    if name in POSTS:
        found = client.post(_url(name, concern), FILLED[name])
        missing = client.post(_url(name, concern.pk + 1000), FILLED[name])
    else:
        found, missing = client.get(_url(name, concern)), client.get(_url(name, concern.pk + 1000))
    assert found.status_code == missing.status_code == 404
    assert _without_token(found) == _without_token(missing)
    assert SAID.noticed not in page_text(found)
    assert _written(concern) == before


def test_an_id_too_long_for_any_database_is_a_404(as_user: Any) -> None:
    assert as_user("alex").get(f"/concerns/{'9' * 30}/").status_code == 404


def test_the_lead_sees_it_once_escalated_and_the_third_colleague_still_does_not(
    world: World, as_user: Any
) -> None:
    concern = _escalated(world)
    html = page_text(as_user("priya").get(_url("web:concern", concern)))
    assert "Alex raised something with Morgan" in html
    assert SAID.noticed in html
    assert 'id="thread"' in html  # she was added to its chat
    assert "Send my response" not in html
    assert "Record how it ended" not in html
    assert as_user("jo").get(_url("web:concern", concern)).status_code == 404


def test_only_the_colleague_responds_and_only_the_raiser_steps_up_or_resolves(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    before = _written(concern)
    response = as_user("alex").post(
        _url("web:concern_respond", concern), FILLED["web:concern_respond"]
    )
    assert response.status_code == 403
    assert "Only the colleague it was raised with can respond." in page_text(response)
    morgan = as_user("morgan")
    for name in ("web:concern_step_up", "web:concern_resolve"):
        response = morgan.post(_url(name, concern), FILLED[name])
        assert response.status_code == 403
        assert "Only the person who raised it can do that." in page_text(response)
    assert _written(concern) == before


def test_a_lead_it_was_escalated_to_cannot_answer_for_the_colleague(
    world: World, as_user: Any
) -> None:
    concern = _escalated(world)
    before = _written(concern)
    response = as_user("priya").post(
        _url("web:concern_respond", concern), FILLED["web:concern_respond"]
    )
    assert response.status_code == 403
    assert _written(concern) == before


def test_someone_above_the_team_sees_it_without_joining_its_chat(
    world: World, as_user: Any
) -> None:
    actions.set_times(
        actor=world.priya,
        team=world.northside,
        answer_within=dict(actions.DEFAULT_TIMES),
        next_up_id=world.kim.pk,
    )
    concern = _raise(world, colleague_id=world.priya.pk, level="escalate")
    html = page_text(as_user("kim").get(_url("web:concern", concern)))
    assert "Escalated to you" in html
    assert SAID.noticed in html
    assert 'id="thread"' not in html
    assert 'id="thread"' in page_text(as_user("priya").get(_url("web:concern", concern)))
    assert "Escalated to you: Alex raised something with Priya" in page_text(
        as_user("kim").get(reverse("web:concerns"))
    )


def test_practitioner_gets_403_for_the_teams_figures(world: World, as_user: Any) -> None:
    assert as_user("morgan").get(reverse("web:concern_activity")).status_code == 403


def test_practitioner_gets_403_for_changing_the_times_and_nothing_is_saved(
    world: World, as_user: Any
) -> None:
    response = as_user("morgan").post(reverse("web:concern_times"), _times_data(probe=(1, "hours")))
    assert response.status_code == 403
    assert not Times.objects.exists()


def test_a_practitioner_reads_the_times_without_a_form(world: World, as_user: Any) -> None:
    html = page_text(as_user("alex").get(reverse("web:concern_times")))
    assert "Only a team lead can change them." in html
    assert 'name="probe_0"' not in html
    assert "This team: 1 day" in html


def test_the_times_say_what_will_happen_and_count_in_words(world: World, as_user: Any) -> None:
    priya = as_user("priya")
    priya.post(reverse("web:concern_times"), _times_data(escalate=(1, "minutes")))
    html = " ".join(page_text(priya.get(reverse("web:concern_times"))).split())
    assert "the concern will be sent to them again" in html
    assert "it will be escalated to the team lead" in html
    assert "This team: 1 minute " in html
    assert "1 minutes" not in html


# --- my concerns and the home screen --------------------------------------------------------


def test_concerns_are_in_the_main_navigation(as_user: Any) -> None:
    html = page_text(as_user("alex").get(reverse("web:home")))
    assert f'<a href="{reverse("web:concerns")}">Concerns</a>' in html
    html = page_text(as_user("alex").get(reverse("web:concerns")))
    assert f'<a href="{reverse("web:concerns")}" aria-current="page">Concerns</a>' in html


def test_my_concerns_never_list_anyone_elses(world: World, as_user: Any) -> None:
    concern = _raise(world)
    link = _url("web:concern", concern)
    assert "You raised something with Morgan" in page_text(as_user("alex").get("/concerns/"))
    assert "Alex raised something with you" in page_text(as_user("morgan").get("/concerns/"))
    for outsider in ("jo", "priya", "sam", "kim"):
        html = _main(as_user(outsider).get(reverse("web:concerns")))
        assert link not in html, outsider
        assert "Alex" not in html and "Morgan" not in html, outsider
        assert "Nothing raised by you or with you." in html, outsider


def test_the_lead_finds_it_in_her_list_once_escalated(world: World, as_user: Any) -> None:
    concern = _escalated(world)
    html = page_text(as_user("priya").get(reverse("web:concerns")))
    assert "Escalated to you: Alex raised something with Morgan" in html
    assert _url("web:concern", concern) in html


def test_open_concerns_come_before_resolved_ones(world: World, as_user: Any) -> None:
    still_open = _raise(world)
    resolved = _raise(world, colleague_id=world.sam.pk)
    actions.resolve(actor=world.alex, concern=resolved, resolution="resolved")
    html = page_text(as_user("alex").get(reverse("web:concerns")))
    assert html.index(_url("web:concern", still_open)) < html.index(_url("web:concern", resolved))


def test_the_list_reads_the_database_a_fixed_number_of_times(world: World) -> None:
    client = world.client_for(world.alex)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("web:concerns")).status_code == 200
        return len(captured)

    _raise(world)
    queries()  # the first request of a session also moves its idle end (once a minute)
    before = queries()
    for colleague in (world.sam, world.jo, world.priya):
        _raise(world, colleague_id=colleague.pk)
    assert queries() == before


def test_a_waiting_concern_is_on_the_colleagues_home_screen_only(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    html = page_text(as_user("morgan").get(reverse("web:home")))
    assert "Waiting for your response" in html
    assert "Alex raised something with you" in html
    assert _url("web:concern", concern) in html
    assert SAID.noticed not in html  # never the words, on a screen others may glance at
    for other in ("alex", "jo", "priya"):
        html = page_text(as_user(other).get(reverse("web:home")))
        assert _url("web:concern", concern) not in html, other
        assert "Waiting for your response" not in html, other
    actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Heard")
    html = page_text(as_user("morgan").get(reverse("web:home")))
    assert _url("web:concern", concern) not in html


# --- raising one ----------------------------------------------------------------------------


def test_the_first_screen_suggests_curiosity_and_says_who_sees_it(
    world: World, as_user: Any
) -> None:
    html = page_text(as_user("alex").get(reverse("web:concern_new")))
    assert 'name="level" value="probe" required id="id_level_0" checked' in html
    assert 'value="challenge"' in html and 'value="escalate"' in html
    assert f'href="{reverse("web:thinking_new")}"' in html
    assert "Start with curiosity" in html
    assert "Only you and the colleague you choose." in html
    assert "it is sent to them again" in html
    assert "1 day to answer" in html
    for part in ("What I noticed", "Why it matters to me", "What I suggest", "What I am asking"):
        assert part in html
    choices = html.split('name="colleague_id"')[1].split("</select>")[0]
    assert f'value="{world.morgan.pk}"' in choices
    assert f'value="{world.alex.pk}"' not in choices  # not with myself
    assert f'value="{world.kim.pk}"' not in choices  # another team
    assert "NS-1 · JT" in html
    assert "report" not in _main(as_user("alex").get(reverse("web:concern_new"))).lower()


def test_raising_a_probe_takes_me_to_the_concern_waiting_for_an_answer(
    world: World, as_user: Any
) -> None:
    data = {
        "colleague_id": world.morgan.pk,
        "level": "probe",
        "noticed": SAID.noticed,
        "matters": SAID.matters,
        "asking": SAID.asking,
        "case_id": world.sams_case.pk,
    }
    alex = as_user("alex")
    response = alex.post(reverse("web:concern_new"), data)
    concern = Concern.objects.get()
    assert response["Location"] == _url("web:concern", concern)
    assert (concern.colleague, concern.level, concern.case) == (world.morgan, 1, world.sams_case)
    html = page_text(alex.get(response["Location"]))
    assert "Raised with Morgan. Only the two of you can see it." in html
    assert "Waiting for Morgan's response. Answer by" in html
    assert "If it is not answered by then, it is sent again." in html
    assert "Only you and Morgan" in html
    assert "You raised it at Probe" in html
    assert SAID.matters in html
    assert "NS-1" in html
    assert 'id="thread"' in html


def test_starting_at_challenge_is_not_stopped(world: World, as_user: Any) -> None:
    data = {"colleague_id": world.morgan.pk, "level": "escalate", "noticed": "x", "asking": "y"}
    as_user("alex").post(reverse("web:concern_new"), data)
    concern = Concern.objects.get()
    assert concern.level == Level.ESCALATE
    assert concern.escalated_at is not None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"noticed": "  "}, "Say what you noticed."),
        ({"asking": ""}, "Say what you are asking of your colleague."),
        ({"colleague_id": ""}, "This field is required."),
        ({"colleague_id": "kim"}, "Select a valid choice."),
        ({"level": "shout"}, "Select a valid choice. shout is not one of the available choices."),
        ({"case_id": "lee"}, "Select a valid choice."),
        ({"noticed": "x" * 1001}, "Ensure this value has at most 1000 characters"),
    ],
)
def test_raising_with_something_missing_or_wrong_is_shown_again_and_writes_nothing(
    world: World, as_user: Any, changes: dict[str, str], message: str
) -> None:
    data = {"colleague_id": world.morgan.pk, "level": "alert", "noticed": "x", "asking": "y"}
    people = {"kim": world.kim.pk, "lee": world.lees_case.pk}
    data.update({k: people.get(v, v) for k, v in changes.items()})
    response = as_user("alex").post(reverse("web:concern_new"), data)
    assert refused(response, message)
    if "level" not in changes:  # what was chosen is kept
        assert re.search(r'value="alert"[^>]*checked', page_text(response))
    assert not Concern.objects.exists()
    assert not Entry.objects.exists()


# --- the concern page -----------------------------------------------------------------------


def test_the_colleague_acknowledges_with_a_reply_and_the_raiser_reads_it(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    morgan = as_user("morgan")
    html = page_text(morgan.get(_url("web:concern", concern)))
    assert "Please respond: answer by" in html
    assert "Send my response" in html
    assert "Step up" not in html
    response = morgan.post(
        _url("web:concern_respond", concern),
        {"respond-response": "acknowledge", "respond-text": "You are right, let's pair"},
    )
    assert response["Location"] == _url("web:concern", concern)
    assert Concern.objects.get(pk=concern.pk).state == State.RESPONDED
    html = page_text(as_user("alex").get(_url("web:concern", concern)))
    assert "Morgan acknowledged it" in html
    assert "You are right, let's pair" in html
    assert "Morgan has responded." in html
    assert "Send my response" not in page_text(morgan.get(_url("web:concern", concern)))


def test_a_response_without_a_reply_is_shown_again_and_writes_nothing(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    before = _written(concern)
    morgan = as_user("morgan")
    for data, message in (
        ({"respond-response": "see_differently", "respond-text": " "}, "Write a reply"),
        ({"respond-text": "Hm"}, "This field is required."),
        ({"respond-response": "shrug", "respond-text": "Hm"}, "Select a valid choice."),
    ):
        response = morgan.post(_url("web:concern_respond", concern), data)
        assert refused(response, message)
        assert 'id="respond-heading"' in page_text(response)
    assert _written(concern) == before


def test_accepting_a_thinking_together_links_both_to_it(world: World, as_user: Any) -> None:
    concern = _raise(world)
    morgan = as_user("morgan")
    morgan.post(_url("web:concern_respond", concern), {"respond-response": "think_together"})
    consultation = Consultation.objects.get()
    session = reverse("web:thinking", args=[consultation.pk])
    for who in ("alex", "morgan"):
        client = as_user(who)
        html = page_text(client.get(_url("web:concern", concern)))
        assert f'href="{session}"' in html, who
        assert "Morgan accepted a Thinking Together" in html or "You accepted" in html
        assert client.get(session).status_code == 200


def test_stepping_up_keeps_the_exchange_and_needs_something_said(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    actions.respond(actor=world.morgan, concern=concern, response="see_differently", text="No")
    alex = as_user("alex")
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "Step up to Alert" in html
    assert "Challenge again" not in html
    before = _written(concern)
    response = alex.post(_url("web:concern_step_up", concern), {"step-noticed": " "})
    assert refused(response, "Say what has changed, or what you are asking now.")
    assert _written(concern) == before
    alex.post(_url("web:concern_step_up", concern), {"step-matters": "It is about safety"})
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "You stepped up to Alert" in html
    assert SAID.noticed in html  # the first round is kept
    assert "It is about safety" in html
    assert "Waiting for Morgan's response." in html


def test_challenging_again_only_at_challenge_and_twice_takes_it_to_the_lead(
    world: World, as_user: Any
) -> None:
    concern = _raise(world, level="alert")
    alex = as_user("alex")
    before = _written(concern)
    response = alex.post(_url("web:concern_challenge", concern), {"challenge-asking": "Stop"})
    assert refused(response, "Challenge again once the concern is at Challenge.")
    assert _written(concern) == before
    alex.post(_url("web:concern_step_up", concern), {"step-asking": "Please stop"})
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "Challenge again" in html
    assert "Step up to Escalate" in html
    assert "A second challenge takes it to Priya" in html
    assert as_user("priya").get(_url("web:concern", concern)).status_code == 404
    alex.post(_url("web:concern_challenge", concern), {"challenge-matters": "A safety issue"})
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "You challenged again" in html
    assert "Escalated to Priya" in html
    assert "Priya, to whom it was escalated" in html
    assert as_user("priya").get(_url("web:concern", concern)).status_code == 200


def test_stepping_up_from_escalate_is_refused_with_the_reason(world: World, as_user: Any) -> None:
    concern = _raise(world, level="escalate")
    alex = as_user("alex")
    assert "Step up" not in page_text(alex.get(_url("web:concern", concern)))
    before = _written(concern)
    response = alex.post(_url("web:concern_step_up", concern), {"step-asking": "More"})
    assert refused(response, "This concern is already at Escalate.")
    assert _written(concern) == before


def test_the_raiser_records_how_it_ended_and_then_nothing_more_is_asked(
    world: World, as_user: Any
) -> None:
    concern = _raise(world)
    alex = as_user("alex")
    response = alex.post(_url("web:concern_resolve", concern), {"resolve-text": "Sorted"})
    assert refused(response, "This field is required.")
    alex.post(
        _url("web:concern_resolve", concern),
        {"resolve-resolution": "changed", "resolve-text": "We pair on Fridays now"},
    )
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "How it ended: Resolved with a change." in html
    assert "We pair on Fridays now" in html
    for form in ("Record how it ended", "Step up to", "Send my response"):
        assert f"{form}</" not in html.replace("</h2>", "")
        assert form not in html.split('id="concern-forms"')[1].split("</div>")[0]
    assert "Send my response" not in page_text(as_user("morgan").get(_url("web:concern", concern)))
    before = _written(concern)
    response = alex.post(_url("web:concern_resolve", concern), {"resolve-resolution": "resolved"})
    assert refused(response, "This concern has already been resolved.")
    assert _written(concern) == before


def test_not_resolved_and_escalated_takes_it_to_the_lead(world: World, as_user: Any) -> None:
    concern = _raise(world)
    as_user("alex").post(_url("web:concern_resolve", concern), {"resolve-resolution": "escalated"})
    html = page_text(as_user("priya").get(_url("web:concern", concern)))
    assert "How it ended: Not resolved, and escalated." in html


def test_the_exchange_shows_it_was_resent_then_escalated(world: World, as_user: Any) -> None:
    concern = _raise(world)
    _fire(concern)
    html = page_text(as_user("alex").get(_url("web:concern", concern)))
    assert "Re-sent: not answered in time" in html
    assert "Not answered yet: re-sent at" in html
    assert "If it is not answered by then, it goes to Priya." in html
    _fire(concern)
    html = page_text(as_user("alex").get(_url("web:concern", concern)))
    assert "Escalated to Priya" in html
    assert "Answer by" not in html
    html = page_text(as_user("morgan").get(_url("web:concern", concern)))
    assert "Please respond: it is waiting for you." in html
    assert "Send my response" in html


@pytest.mark.hazard("H3")
def test_the_raiser_is_told_the_lead_is_alerted_again_until_she_is_on_it(
    world: World, as_user: Any
) -> None:
    concern = _escalated(world)
    alex = as_user("alex")
    html = page_text(alex.get(_url("web:concern", concern)))
    assert re.search(r"Escalated to Priya at [^<]{0,20}\d\d:\d\d, who has not answered yet\.", html)
    assert "Alerted again at" not in html
    assert "Priya is alerted again at" in html
    assert _fire(concern) == "reminded"
    assert "Alerted again at" in page_text(alex.get(_url("web:concern", concern)))
    # Only priya may say she is on it; the two get the refusal, nothing changes.
    before = _written(concern)
    for name in ("alex", "morgan"):
        response = as_user(name).post(_url("web:concern_take_on", concern), {})
        assert response.status_code == 403
        assert "Only the person it was escalated to can say they are on it." in page_text(response)
    assert _written(concern) == before
    priya = as_user("priya")
    assert "I'm on it</button>" in page_text(priya.get(_url("web:concern", concern)))

    response = priya.post(_url("web:concern_take_on", concern), {})

    assert response.status_code == 302
    html = page_text(priya.get(response["Location"]))
    assert "Thank you: Alex is told you are on it." in html
    assert "You said you are on it at" in html
    assert "I'm on it</button>" not in html
    html = page_text(alex.get(_url("web:concern", concern)))
    assert "Priya is on it (since" in html
    assert _fire(concern) == ""


# --- the lead's figures and times -----------------------------------------------------------


def _times_data(**changes: tuple[int, str]) -> dict[str, Any]:
    amounts = {"probe": (24, "hours"), "alert": (4, "hours"), "challenge": (1, "hours")}
    amounts |= {"escalate": (30, "minutes")} | changes
    data: dict[str, Any] = {"next_up_id": ""}
    for level, (amount, unit) in amounts.items():
        data |= {f"{level}_0": amount, f"{level}_1": unit}
    return data


def test_the_lead_sets_the_times_and_the_next_person_up(world: World, as_user: Any) -> None:
    priya = as_user("priya")
    html = page_text(priya.get(reverse("web:concern_times")))
    assert f'value="{world.kim.pk}">Kim' in html
    assert f'value="{world.morgan.pk}"' not in html  # in the team: not above it
    data = _times_data(probe=(2, "days"), alert=(90, "minutes")) | {"next_up_id": world.kim.pk}
    response = priya.post(reverse("web:concern_times"), data)
    assert response["Location"] == reverse("web:concern_times")
    within = actions.times(world.northside)
    assert within[Level.PROBE] == timedelta(days=2)
    assert within[Level.ALERT] == timedelta(minutes=90)
    assert within[Level.ESCALATE] == timedelta(minutes=30)
    assert actions.next_up_id(world.northside) == world.kim.pk
    html = page_text(priya.get(reverse("web:concern_times")))
    assert "This team: 2 days" in html
    assert "This team: 90 minutes" in html
    assert '<p id="next-up-now">Kim</p>' in html
    assert "2 days to answer" in page_text(as_user("alex").get(reverse("web:concern_new")))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_times_data(probe=(0, "hours")), "Ensure this value is greater than or equal to 1."),
        (_times_data(probe=(1, "weeks")), "Select a valid choice."),
        (_times_data() | {"alert_0": ""}, "This field is required."),
        (_times_data() | {"next_up_id": "99999"}, "Select a valid choice."),
    ],
)
def test_times_that_make_no_sense_are_shown_again_and_nothing_is_saved(
    world: World, as_user: Any, data: dict[str, Any], message: str
) -> None:
    response = as_user("priya").post(reverse("web:concern_times"), data)
    assert refused(response, message)
    assert not Times.objects.exists()


def test_the_lead_sees_figures_without_names_or_words(world: World, as_user: Any) -> None:
    for _n in range(5):
        concern = _raise(world)
        actions.respond(actor=world.morgan, concern=concern, response="acknowledge", text="Heard")
    priya = as_user("priya")
    assert f'href="{reverse("web:concern_activity")}"' in page_text(
        priya.get(reverse("web:concerns"))
    )
    html = _main(priya.get(reverse("web:concern_activity")))
    assert re.search(r"<dt>Concerns raised</dt><dd>5</dd>", html)
    assert re.search(r"<dt>Probe</dt><dd>5</dd>", html)
    assert re.search(r"<dt>Challenge</dt><dd>0</dd>", html)
    assert re.search(r"<dt>Upward: with someone of a higher grade</dt><dd>5</dd>", html)
    assert re.search(r"<dt>Answered before any escalation</dt><dd>5</dd>", html)
    assert re.search(r"<dt>Median time to a first response</dt><dd>about 1 minute</dd>", html)
    for name in ("Alex", "Morgan"):
        assert name not in html
    assert "Heard" not in html and SAID.noticed not in html
    assert f'href="{reverse("web:concern_activity")}"' not in page_text(
        as_user("alex").get(reverse("web:concerns"))
    )


def test_a_small_group_is_not_shown_nor_given_away_by_the_total(world: World, as_user: Any) -> None:
    for colleague in (world.morgan, world.sam, world.jo, world.dee, world.priya):
        concern = _raise(world, colleague_id=colleague.pk)
        actions.respond(actor=colleague, concern=concern, response="acknowledge", text="Heard")
    _raise(world, colleague_id=world.morgan.pk, level="challenge")
    html = _main(as_user("priya").get(reverse("web:concern_activity")))
    assert re.search(r"<dt>Concerns raised</dt><dd>6</dd>", html)
    # One at Challenge would point at someone: hidden, and Probe's 5 with it, or the total
    # would give it away. "Fewer than 5" would be untrue of Probe: both say "not shown".
    assert re.search(r"<dt>Challenge</dt><dd>not shown</dd>", html)
    assert re.search(r"<dt>Probe</dt><dd>not shown</dd>", html)
    assert re.search(r"<dt>Alert</dt><dd>0</dd>", html)
    assert re.search(r"<dt>Answered before any escalation</dt><dd>not shown</dd>", html)
    assert "a count under 5" in html


def test_with_too_few_concerns_the_figures_are_not_shown(world: World, as_user: Any) -> None:
    _raise(world)
    html = _main(as_user("priya").get(reverse("web:concern_activity")))
    assert "Fewer than 5 concerns in this period: no figures, so nobody can be singled out." in html
    assert "<dt>Probe</dt>" not in html


def test_another_teams_lead_sees_only_her_own_teams_figures(world: World, as_user: Any) -> None:
    for colleague in (world.morgan, world.sam, world.jo, world.dee, world.priya):
        _raise(world, colleague_id=colleague.pk)
    html = _main(as_user("kim").get(reverse("web:concern_activity")))
    assert "Fewer than 5 concerns in this period" in html
    assert "<dt>Concerns raised</dt>" not in html
