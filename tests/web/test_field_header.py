"""The header every page shares on a phone: its bottom bar's badges and the alarm of the
visit I am out on, without script."""

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from ropeteam.conversations import actions as conversations
from ropeteam.thinking import actions as thinking
from ropeteam.visits import actions as visits
from ropeteam.visits.models import Visit
from ropeteam.web.context import _badges
from tests.conftest import World
from tests.web.conftest import page_text


def _sam_goes_out(world: World) -> int:
    visit = visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + timedelta(minutes=30),
        rope_holder_id=world.jo.pk,
        note="",
    )
    return visit.pk


def test_while_sam_is_out_every_page_has_his_visits_alarm_and_links_to_the_visit(
    world: World, as_user: Any
) -> None:
    visit = _sam_goes_out(world)
    alarm = reverse("web:visit_alarm", args=[visit])
    for name in ("web:home", "web:conversations", "web:thinking_history", "web:team"):
        html = page_text(as_user("sam").get(reverse(name)))
        assert f'action="{alarm}"' in html
        assert "Alarm: I need help now" in html
        assert f'<a href="{reverse("web:visit", args=[visit])}">Your visit' in html
        assert "(you are out now)" in html
    # Its own page has it once, among the buttons.
    html = page_text(as_user("sam").get(reverse("web:visit", args=[visit])))
    assert html.count(f'action="{alarm}"') == 1


def test_the_rope_holder_and_others_get_no_alarm_for_someone_elses_visit(
    world: World, as_user: Any
) -> None:
    visit = _sam_goes_out(world)
    for name in ("jo", "priya"):
        html = page_text(as_user(name).get(reverse("web:home")))
        assert "Alarm: I need help now" not in html
        assert f'<a href="{reverse("web:visits")}">Go out</a>' in html
    html = page_text(as_user("jo").get(reverse("web:visit", args=[visit])))
    assert "Alarm: I need help now" not in html


def test_a_visit_ended_takes_the_alarm_off_the_pages(world: World, as_user: Any) -> None:
    visit = _sam_goes_out(world)
    visits.end_visit(actor=world.sam, visit=Visit.objects.get(pk=visit))
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "Alarm: I need help now" not in html
    assert "(you are out now)" not in html


def test_requests_waiting_for_me_and_unread_conversations_are_counted_in_words(
    world: World, as_user: Any
) -> None:
    thinking.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=thinking.Ask("rope"),
    )
    conversation, _new = conversations.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.jo.pk]
    )
    conversations.send_message(
        actor=world.sam, conversation=conversation, client_id=uuid.uuid4(), body="Are you free?"
    )
    html = page_text(as_user("jo").get(reverse("web:home")))
    assert 'data-badge="asked">1<span class="visually-hidden"> request waiting for you<' in html
    assert (
        'data-badge="unread">1<span class="visually-hidden"> conversation with unread messages<'
        in html
    )
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "data-badge" not in html


def test_the_badges_cost_three_queries_on_every_page(
    world: World, django_assert_num_queries: Callable[[int], AbstractContextManager[object]]
) -> None:
    _sam_goes_out(world)
    with django_assert_num_queries(3):
        badges = _badges(world.sam, world.northside)
    assert badges["open_visit"] is not None
