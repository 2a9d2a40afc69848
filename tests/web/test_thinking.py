"""Thinking Together in the browser without script: asking, the session, history, figures."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.thinking import actions
from ropeteam.thinking.models import AgreedAction, Consultation
from tests.conftest import World
from tests.web.conftest import page_text, refused


def _ask(world: World, **overrides: Any) -> Consultation:
    """Sam asks his rope holders (jo, then morgan) for a decision, in chat."""
    arguments: dict[str, Any] = {
        "actor": world.sam,
        "team": world.northside,
        "task": "decision",
        "task_note": "Whether to go back to Elm Court today",
        "urgency": "now",
        "mode": "chat",
        "ask": actions.Ask("rope"),
    }
    return actions.request_help(**{**arguments, **overrides})


def _under_way(world: World, **overrides: Any) -> Consultation:
    consultation = _ask(world, **overrides)
    return actions.accept(actor=world.jo, consultation=consultation)


def _at_step_4(world: World, **overrides: Any) -> Consultation:
    consultation = _under_way(world, **overrides)
    for step in (2, 3, 4):
        consultation = actions.move(actor=world.sam, consultation=consultation, step=step)
    return consultation


def _closed(world: World) -> Consultation:
    consultation = _at_step_4(world)
    return actions.record_outcome(
        actor=world.sam,
        consultation=consultation,
        met="yes",
        next_step="close",
        product="Go tomorrow with Jo",
        steadiness_after=7,
        notes="Felt pulled to rescue",
        actions=[actions.Agreed(world.sam.pk, "Phone the school")],
    )


def _url(name: str, consultation: Consultation) -> str:
    return reverse(name, args=[consultation.pk])


def _without_token(response: Any) -> str:
    """The page as people read it: the masked CSRF token differs on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page_text(response))


def _session(consultation: Consultation) -> str:
    return _url("web:thinking", consultation)


# --- permissions ----------------------------------------------------------------------------

PAGES = ["web:thinking_history", "web:thinking_new", "web:thinking_quick", "web:thinking_activity"]
SESSION_POSTS = [
    "web:thinking_accept",
    "web:thinking_decline",
    "web:thinking_cancel",
    "web:thinking_move",
    "web:thinking_invite",
    "web:thinking_facilitate",
    "web:thinking_outcome",
    "web:thinking_share",
]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in_from_thinking_pages(db: None, name: str) -> None:
    url = reverse(name)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", ["web:thinking", *SESSION_POSTS])
def test_anonymous_visitor_is_sent_to_sign_in_from_a_session(world: World, name: str) -> None:
    url = _url(name, _ask(world))
    response = Client().post(url) if name in SESSION_POSTS else Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("name", [*SESSION_POSTS, "web:action_done"])
def test_session_buttons_only_accept_post(world: World, as_user: Any, name: str) -> None:
    assert as_user("sam").get(reverse(name, args=[1])).status_code == 405


@pytest.mark.parametrize("name", ["web:thinking", *SESSION_POSTS])
def test_outsider_gets_404_for_another_teams_consultation_like_a_missing_one(
    world: World, as_user: Any, name: str
) -> None:
    consultation = _under_way(world)
    kim = as_user("kim")
    send = kim.post if name in SESSION_POSTS else kim.get
    found = send(_url(name, consultation))
    missing = send(reverse(name, args=[consultation.pk + 1000]))
    assert found.status_code == missing.status_code == 404
    assert _without_token(found) == _without_token(missing)


@pytest.mark.parametrize("name", ["web:thinking", *SESSION_POSTS])
def test_teammate_not_asked_gets_404_for_a_consultation(
    world: World, as_user: Any, name: str
) -> None:
    consultation = _under_way(world)  # asked: jo and morgan; alex was not
    alex = as_user("alex")
    response = (alex.post if name in SESSION_POSTS else alex.get)(_url(name, consultation))
    assert response.status_code == 404
    assert Consultation.objects.get(pk=consultation.pk).step == 1


def test_someone_asked_but_not_the_helper_sees_who_took_it_and_no_notes(
    world: World, as_user: Any
) -> None:
    consultation = _closed(world)
    html = page_text(as_user("morgan").get(_session(consultation)))
    assert "Felt pulled to rescue" not in html
    assert "Go tomorrow with Jo" not in html
    assert "Phone the school" not in html


def test_practitioner_gets_403_for_the_teams_figures(world: World, as_user: Any) -> None:
    assert as_user("sam").get(reverse("web:thinking_activity")).status_code == 403


def test_someone_else_cannot_mark_my_action_done(world: World, as_user: Any) -> None:
    _closed(world)
    action = AgreedAction.objects.get()
    assert as_user("jo").post(reverse("web:action_done", args=[action.pk])).status_code == 404
    assert AgreedAction.objects.get().done_at is None


def test_helper_cannot_record_the_outcome(world: World, as_user: Any) -> None:
    consultation = _at_step_4(world)
    data = {"outcome-met": "yes", "outcome-next_step": "close"}
    response = as_user("jo").post(_url("web:thinking_outcome", consultation), data)
    assert response.status_code == 403
    assert "Only the person who asked can do that." in page_text(response)


# --- home -----------------------------------------------------------------------------------


def test_home_has_think_together_first_and_shows_what_is_asked_of_me(
    world: World, as_user: Any
) -> None:
    consultation = _ask(world)
    html = page_text(as_user("jo").get(reverse("web:home")))
    assert html.index("Think together") < html.index("Who holds my rope")
    assert f'href="{reverse("web:thinking_new")}"' in html
    assert "Sam asks to think together" in html
    assert "Whether to go back to Elm Court today" in html
    assert _session(consultation) in html
    assert "Nobody is waiting for you." in page_text(as_user("alex").get(reverse("web:home")))


def test_home_keeps_my_actions_until_done(world: World, as_user: Any) -> None:
    _closed(world)
    sam = as_user("sam")
    assert "Phone the school" in page_text(sam.get(reverse("web:home")))
    action = AgreedAction.objects.get()
    response = sam.post(reverse("web:action_done", args=[action.pk]))
    assert response.status_code == 302
    assert AgreedAction.objects.get().done_at is not None
    assert "Phone the school" not in page_text(sam.get(reverse("web:home")))


def test_thinking_together_is_in_the_main_navigation(as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert f'<a href="{reverse("web:thinking_history")}">Thinking Together</a>' in html


# --- asking ---------------------------------------------------------------------------------


def test_ask_form_defaults_to_now_chat_and_my_rope_holders(world: World, as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:thinking_new")))
    assert 'name="urgency" value="now" required id="id_urgency_0" checked' in html
    assert 'name="mode" value="chat" required id="id_mode_0" checked' in html
    assert 'name="ask" value="rope" required id="id_ask_0" checked' in html
    assert "NS-1 · JT" in html


def test_ask_form_listing_the_teams_cases_is_audited(world: World, as_user: Any) -> None:
    before = AuditEntry.objects.filter(action="case.listed").count()
    as_user("sam").get(reverse("web:thinking_new"))
    assert AuditEntry.objects.filter(action="case.listed").count() == before + 1


def test_asking_anyone_available_redirects_to_the_waiting_session(
    world: World, as_user: Any
) -> None:
    sam = as_user("sam")
    data = {
        "task": "plan",
        "task_note": "Next visit",
        "urgency": "within_hour",
        "mode": "phone",
        "ask": "team",
        "case_id": str(world.sams_case.pk),
        "steadiness": "4",
    }
    response = sam.post(reverse("web:thinking_new"), data)
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _session(consultation)
    assert (consultation.task, consultation.mode, consultation.steadiness_before) == (
        "plan",
        "phone",
        4,
    )
    assert consultation.case == world.sams_case
    html = page_text(sam.get(_session(consultation)))
    assert "Waiting for someone to accept." in html
    assert "NS-1" in html
    assert "Withdraw my request" in html


def test_asking_a_named_colleague_without_choosing_one_says_so(world: World, as_user: Any) -> None:
    data = {"task": "decision", "urgency": "now", "mode": "chat", "ask": "named"}
    response = as_user("sam").post(reverse("web:thinking_new"), data)
    assert refused(response, "Choose a colleague to ask.")
    assert not Consultation.objects.exists()


def test_ask_form_refuses_another_teams_case(world: World, as_user: Any) -> None:
    data = {
        "task": "decision",
        "urgency": "now",
        "mode": "chat",
        "ask": "rope",
        "case_id": str(world.lees_case.pk),
    }
    response = as_user("sam").post(reverse("web:thinking_new"), data)
    assert response.status_code == 400
    assert not Consultation.objects.exists()


# --- the session: requested -----------------------------------------------------------------


def test_someone_asked_can_accept_and_lands_in_step_1(world: World, as_user: Any) -> None:
    consultation = _ask(world)
    jo = as_user("jo")
    html = page_text(jo.get(_session(consultation)))
    assert "Sam asks you to think together." in html
    response = jo.post(_url("web:thinking_accept", consultation))
    assert response["Location"] == _session(consultation)
    html = page_text(jo.get(_session(consultation)))
    assert 'aria-current="step">Mark the task<' in html
    assert "Check the task is clear: what would make this time useful?" in html
    assert 'id="thread"' in html  # chat mode: the conversation is on the page


def test_the_timer_is_worded_on_the_server_as_the_phone_words_it(
    world: World, as_user: Any
) -> None:
    # The first paint holds the text thinking.js keeps up to date, so the header does not
    # change height when the script starts (Lighthouse measured a layout shift of 0.16).
    consultation = _under_way(world)
    html = page_text(as_user("sam").get(_session(consultation)))
    assert re.search(r'id="tt-timer">About (10|9) minutes left\.<', html)
    Consultation.objects.filter(pk=consultation.pk).update(
        accepted_at=timezone.now() - timezone.timedelta(minutes=13, seconds=30)
    )
    html = page_text(as_user("sam").get(_session(consultation)))
    assert 'id="tt-timer">Over the time by 4 minutes: return to purpose.<' in html


def test_second_acceptance_is_told_it_was_taken(world: World, as_user: Any) -> None:
    consultation = _under_way(world)
    morgan = as_user("morgan")
    response = morgan.post(_url("web:thinking_accept", consultation), follow=True)
    html = page_text(response)
    assert "Someone else has already accepted this request." in html
    assert "Taken: Jo is thinking with Sam." in html


def test_declining_with_a_later_time_is_shown_to_the_help_seeker(
    world: World, as_user: Any
) -> None:
    consultation = _ask(world)
    response = as_user("jo").post(
        _url("web:thinking_decline", consultation),
        {"decline-reason": "Driving", "decline-later": "23:59"},
    )
    assert response.status_code == 302
    html = page_text(as_user("sam").get(_session(consultation)))
    assert "Jo can't now: Driving" in html
    assert "could do it at" in html


def test_help_seeker_can_withdraw(world: World, as_user: Any) -> None:
    consultation = _ask(world)
    as_user("sam").post(_url("web:thinking_cancel", consultation))
    html = page_text(as_user("jo").get(_session(consultation)))
    assert "Sam withdrew this request." in html


# --- the session: under way -----------------------------------------------------------------


def test_helper_step_3_prompts_start_with_the_workers_own_state(world: World, as_user: Any) -> None:
    consultation = _under_way(world)
    jo = as_user("jo")
    jo.post(_url("web:thinking_move", consultation), {"step": "2"})
    jo.post(_url("web:thinking_move", consultation), {"step": "3"})
    html = page_text(jo.get(_session(consultation)))
    assert 'aria-current="step">Mentalize the moment<' in html
    own = html.index("What is this like for you, here and now?")
    assert own < html.index("What might be going on for the young person?")
    assert "Back to Mark the task" in html


def test_skipping_a_step_is_refused_with_the_rule(world: World, as_user: Any) -> None:
    consultation = _under_way(world)
    sam = as_user("sam")
    response = sam.post(_url("web:thinking_move", consultation), {"step": "3"})
    html = page_text(sam.get(response["Location"]))
    assert "Move on one step at a time, or go back to an earlier step." in html
    assert Consultation.objects.get(pk=consultation.pk).step == 1


def test_phone_sessions_show_a_checklist_instead_of_the_chat(world: World, as_user: Any) -> None:
    consultation = _under_way(world, mode="phone")
    html = page_text(as_user("sam").get(_session(consultation)))
    assert 'id="tt-checklist"' in html
    assert 'id="thread"' not in html


@pytest.mark.parametrize(
    ("mode", "conversation"), [("chat", 'id="thread"'), ("phone", 'id="tt-checklist"')]
)
def test_under_way_the_conversation_comes_before_the_outcome_and_the_people(
    world: World, as_user: Any, mode: str, conversation: str
) -> None:
    """Phone first: the step's prompts, then the chat or checklist, then the rest."""
    consultation = _under_way(world, mode=mode)
    html = page_text(as_user("sam").get(_session(consultation)))
    assert html.index('id="tt-prompts"') < html.index(conversation) < html.index('id="tt-people"')
    assert html.index(conversation) < html.index('id="tt-request"')
    assert "Record the outcome" not in html
    for step in (2, 3, 4):
        consultation = actions.move(actor=world.sam, consultation=consultation, step=step)
    html = page_text(as_user("sam").get(_session(consultation)))
    assert (
        html.index(conversation) < html.index("Record the outcome") < html.index('id="tt-people"')
    )


def test_inviting_a_colleague_makes_a_group_with_a_facilitator(world: World, as_user: Any) -> None:
    consultation = _under_way(world)
    sam = as_user("sam")
    sam.post(_url("web:thinking_invite", consultation), {"invite-colleague_id": world.priya.pk})
    assert "Mentalize" in page_text(as_user("priya").get(_session(consultation)))
    sam.post(
        _url("web:thinking_facilitate", consultation),
        {"facilitator-facilitator_id": world.priya.pk},
    )
    assert Consultation.objects.get(pk=consultation.pk).facilitator == world.priya


def test_at_step_4_the_helper_sees_the_help_seeker_recording(world: World, as_user: Any) -> None:
    consultation = _at_step_4(world)
    assert "Sam is recording the outcome." in page_text(as_user("jo").get(_session(consultation)))
    assert "Record the outcome and close" in page_text(as_user("sam").get(_session(consultation)))


def test_recording_the_outcome_closes_it_with_actions(world: World, as_user: Any) -> None:
    consultation = _at_step_4(world, steadiness=3)
    data = {
        "outcome-met": "partly",
        "outcome-next_step": "supervision",
        "outcome-product": "Ask Priya about the threshold",
        "outcome-steadiness_after": "6",
        "outcome-action_1_owner": str(world.sam.pk),
        "outcome-action_1_what": "Book supervision",
    }
    response = as_user("sam").post(_url("web:thinking_outcome", consultation), data)
    assert response["Location"] == _session(consultation)
    html = page_text(as_user("jo").get(_session(consultation)))
    assert "Partly" in html
    assert "Take it to formal supervision" in html
    assert "3 before, 6 after" in html
    assert "Book supervision" in html
    assert AgreedAction.objects.get().owner == world.sam


def test_outcome_without_task_met_is_shown_again_with_the_error(world: World, as_user: Any) -> None:
    consultation = _at_step_4(world)
    data = {"outcome-next_step": "close", "outcome-action_1_what": "Something"}
    response = as_user("sam").post(_url("web:thinking_outcome", consultation), data)
    assert refused(response, "This field is required.")
    assert "Choose who will do it." in page_text(response)
    assert Consultation.objects.get(pk=consultation.pk).state == "active"


# --- closed, history, quick record, figures -------------------------------------------------


def test_team_lead_reads_notes_only_once_shared_for_supervision(world: World, as_user: Any) -> None:
    consultation = _closed(world)
    priya = as_user("priya")
    assert priya.get(_session(consultation)).status_code == 404
    sam = as_user("sam")
    assert "Share with the team lead for supervision" in page_text(sam.get(_session(consultation)))
    sam.post(_url("web:thinking_share", consultation), {"shared": "1"})
    assert "Felt pulled to rescue" in page_text(priya.get(_session(consultation)))


def test_sharing_before_the_outcome_is_refused_on_the_session_page(
    world: World, as_user: Any
) -> None:
    consultation = _under_way(world)
    sam = as_user("sam")
    response = sam.post(_url("web:thinking_share", consultation), {"shared": "1"})
    assert response["Location"] == _session(consultation)
    html = page_text(sam.get(_session(consultation)))
    assert "Share it for supervision once its outcome is recorded." in html
    assert not Consultation.objects.get(pk=consultation.pk).shared_for_supervision


def test_both_histories_show_it_newest_first(world: World, as_user: Any) -> None:
    _closed(world)
    html = page_text(as_user("sam").get(reverse("web:thinking_history")))
    assert "I asked; with Jo" in html
    assert "Task met: Yes" in html
    assert "With Sam, who asked" in page_text(as_user("jo").get(reverse("web:thinking_history")))


def test_quick_record_is_stored_and_shown(world: World, as_user: Any) -> None:
    data = {
        "helper_id": str(world.morgan.pk),
        "task": "steadier",
        "mode": "face_to_face",
        "met": "yes",
        "next_step": "team_meeting",
        "steadiness_before": "2",
        "steadiness_after": "5",
        "notes": "In the car",
        "happened_at": "",
    }
    sam = as_user("sam")
    assert refused(sam.post(reverse("web:thinking_quick"), data), "This field is required.")
    data["happened_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = sam.post(reverse("web:thinking_quick"), data)
    consultation = Consultation.objects.get()
    assert response["Location"] == _session(consultation)
    assert consultation.is_quick_record
    assert "recorded afterwards" in page_text(sam.get(reverse("web:thinking_history")))


def test_team_lead_sees_figures_without_names_or_notes(world: World, as_user: Any) -> None:
    _closed(world)
    priya = as_user("priya")
    assert f'href="{reverse("web:thinking_activity")}"' in page_text(
        priya.get(reverse("web:thinking_history"))
    )
    html = page_text(priya.get(reverse("web:thinking_activity")))
    assert "In-app chat" in html
    assert "Felt pulled to rescue" not in html
    assert "Jo" not in html.split("<main")[1]
    assert f'href="{reverse("web:thinking_activity")}"' not in page_text(
        as_user("sam").get(reverse("web:thinking_history"))
    )
