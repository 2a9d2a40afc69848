"""Messages in the browser without script: the list, a thread, sending, starting one."""

import json
import re
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client
from django.urls import reverse

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message
from ropeteam.people import actions as people
from ropeteam.people.models import Membership
from ropeteam.thinking import actions as thinking
from tests.concerns.test_actions import raise_one
from tests.conftest import World
from tests.web.conftest import page_text, refused


@pytest.fixture
def sam_and_morgan(world: World) -> Conversation:
    conversation, _is_new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.morgan.pk]
    )
    return conversation


def _say(world: World, who: str, conversation: Conversation, body: str) -> Message:
    return actions.send_message(
        actor=getattr(world, who), conversation=conversation, client_id=uuid4(), body=body
    ).message


def _thread(conversation: Conversation) -> str:
    return reverse("web:conversation", args=[conversation.pk])


# --- the list -----------------------------------------------------------------------------


def test_messages_is_in_the_main_navigation(as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert f'<a href="{reverse("web:conversations")}">Messages</a>' in html


def test_list_shows_my_conversations_newest_first_with_unread_counts(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    with_jo, _new = actions.start_conversation(
        actor=world.jo, team=world.northside, member_ids=[world.sam.pk]
    )
    _say(world, "morgan", sam_and_morgan, "Are you back yet?")
    _say(world, "morgan", sam_and_morgan, "Call me")
    _say(world, "jo", with_jo, "Coffee?")
    response = as_user("sam").get(reverse("web:conversations"))
    html = page_text(response)
    assert response.status_code == 200
    assert html.index("Jo") < html.index("Morgan")
    assert "2 unread messages" in html
    assert "1 unread message" in html


def test_the_chat_beside_a_concern_or_a_thinking_together_says_so_and_links_its_page(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    concern = raise_one(world, actor=world.sam, colleague_id=world.morgan.pk)
    asked = thinking.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        task_note="Whether to go back to Elm Court today",
        urgency="now",
        mode="chat",
        ask=thinking.Ask("rope"),
    )
    session = thinking.accept(actor=world.jo, consultation=asked)
    html = page_text(as_user("sam").get(reverse("web:conversations")))
    concern_page = reverse("web:concern", args=[concern.pk])
    session_page = reverse("web:thinking", args=[session.pk])
    assert html.count("Something raised · ") == 1
    assert html.count("Thinking Together · ") == 1
    assert f'href="{concern_page}"' in html
    assert f'href="{session_page}"' in html
    # The plain conversation with morgan is just that.
    assert html.count("Open its page") == 2
    # The lead is in neither: nothing about them reaches her list.
    priyas = page_text(as_user("priya").get(reverse("web:conversations")))
    assert concern_page not in priyas and "Something raised" not in priyas


def test_list_leaves_out_conversations_i_am_not_in(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    html = page_text(as_user("jo").get(reverse("web:conversations")))
    assert _thread(sam_and_morgan) not in html
    assert "No messages yet." in html


# --- a thread -----------------------------------------------------------------------------


def test_thread_shows_messages_oldest_first_with_sender_and_marks_them_read(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    _say(world, "sam", sam_and_morgan, "Leaving the flat now")
    _say(world, "morgan", sam_and_morgan, "Thanks, speak at 5")
    html = page_text(as_user("sam").get(_thread(sam_and_morgan)))
    assert "Messages with Morgan" in html
    assert html.index("Leaving the flat now") < html.index("Thanks, speak at 5")
    assert 'class="bubble__sender">Morgan<' in html
    assert 'class="bubble__sender">You<' in html
    assert "0 unread" not in page_text(as_user("sam").get(reverse("web:conversations")))
    assert "All read" in page_text(as_user("sam").get(reverse("web:conversations")))


def test_my_message_says_sent_until_my_colleague_opens_the_thread(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    _say(world, "sam", sam_and_morgan, "Leaving the flat now")
    sam = as_user("sam")
    assert 'data-state="sent">Sent<' in page_text(sam.get(_thread(sam_and_morgan)))
    as_user("morgan").get(_thread(sam_and_morgan))
    assert 'data-state="read">Read<' in page_text(sam.get(_thread(sam_and_morgan)))


def test_someone_who_left_the_team_is_named_and_no_longer_holds_my_message_at_sent(
    world: World, as_user: Any
) -> None:
    group, _new = actions.start_conversation(
        actor=world.sam, team=world.northside, member_ids=[world.morgan.pk, world.jo.pk]
    )
    _say(world, "sam", group, "Leaving the flat now")
    as_user("morgan").get(_thread(group))
    sam = as_user("sam")
    html = page_text(sam.get(_thread(group)))
    assert 'data-state="sent">Sent<' in html  # jo has not read it yet
    assert "left the team" not in html

    people.remove_member(
        actor=world.priya, membership=Membership.objects.get(team=world.northside, user=world.jo)
    )
    html = page_text(sam.get(_thread(group)))
    # jo will never read it: morgan has, so it is read by everyone who still can.
    assert 'data-state="read">Read<' in html
    assert "Jo has left the team and will not see new messages." in html
    assert "Nobody in this conversation can read" not in html
    seed = re.search(r'id="thread-data" type="application/json">(.*?)</script>', html)
    assert seed is not None
    assert json.loads(seed.group(1))["marks"].keys() == {str(world.morgan.pk)}
    listed = page_text(sam.get(reverse("web:conversations")))
    assert "Jo (left the team)" in listed


def test_when_everyone_else_has_left_the_thread_says_nobody_can_read_it(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    people.remove_member(
        actor=world.priya,
        membership=Membership.objects.get(team=world.northside, user=world.morgan),
    )
    html = page_text(as_user("sam").get(_thread(sam_and_morgan)))
    assert "Morgan has left the team" in html
    assert "Nobody in this conversation can read what you write here now." in html


def test_thread_gives_the_live_client_its_cursor_and_words(
    world: World, as_user: Any, sam_and_morgan: Conversation, settings: Any
) -> None:
    settings.OUTBOX_MAX_AGE_HOURS = 2
    _say(world, "morgan", sam_and_morgan, "Hello")
    html = page_text(as_user("sam").get(_thread(sam_and_morgan)))
    assert '<script id="thread-data" type="application/json">' in html
    assert f'"conversation": {sam_and_morgan.pk}, "me": {world.sam.pk}, "cursor": 1' in html
    assert 'data-outbox-max-age="7200"' in html
    assert '"waiting": "Waiting to send"' in html


def test_teammate_outside_the_conversation_gets_the_same_404_as_a_missing_one(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    jo = as_user("jo")
    theirs = jo.get(_thread(sam_and_morgan))
    missing = jo.get(reverse("web:conversation", args=[sam_and_morgan.pk + 1000]))
    assert theirs.status_code == missing.status_code == 404
    # The same page but for the sign-out form's per-request CSRF token.
    assert _without_tokens(page_text(theirs)) == _without_tokens(page_text(missing))


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_outsider_gets_404_for_another_teams_conversation(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    assert as_user("lee").get(_thread(sam_and_morgan)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_a_thread(sam_and_morgan: Conversation) -> None:
    response = Client().get(_thread(sam_and_morgan))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


# --- sending without script ---------------------------------------------------------------


def test_sending_stores_the_message_and_shows_the_thread_again(
    world: World, as_user: Any, sam_and_morgan: Conversation
) -> None:
    client_id = uuid4()
    response = as_user("sam").post(
        _thread(sam_and_morgan), {"client_id": client_id, "body": "On my way"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_thread(sam_and_morgan)}#message-1"
    message = Message.objects.get(conversation=sam_and_morgan)
    assert (message.body, message.client_id, message.sender) == ("On my way", client_id, world.sam)


def test_sending_the_same_form_twice_stores_one_message(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    sam, form = as_user("sam"), {"client_id": uuid4(), "body": "On my way"}
    sam.post(_thread(sam_and_morgan), form)
    sam.post(_thread(sam_and_morgan), form)
    assert Message.objects.filter(conversation=sam_and_morgan).count() == 1


def test_each_thread_page_carries_a_new_client_id(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    sam = as_user("sam")
    first, second = (
        sam.get(_thread(sam_and_morgan)).context["form"]["client_id"].value() for _ in range(2)
    )
    assert first != second


def test_an_empty_message_is_refused_with_a_reason(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    response = as_user("sam").post(_thread(sam_and_morgan), {"client_id": uuid4(), "body": "  "})
    assert refused(response, "Write something to send.")
    assert not Message.objects.exists()


def test_teammate_outside_the_conversation_cannot_send_to_it(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    response = as_user("jo").post(_thread(sam_and_morgan), {"client_id": uuid4(), "body": "Hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_outsider_cannot_send_to_another_teams_conversation(
    as_user: Any, sam_and_morgan: Conversation
) -> None:
    response = as_user("lee").post(_thread(sam_and_morgan), {"client_id": uuid4(), "body": "Hi"})
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_anonymous_visitor_cannot_send(sam_and_morgan: Conversation) -> None:
    response = Client().post(_thread(sam_and_morgan), {"client_id": uuid4(), "body": "Hi"})
    assert response.status_code == 302
    assert not Message.objects.exists()


# --- starting one -------------------------------------------------------------------------


def _start(world: World, who: str, with_whom: str) -> str:
    return reverse("web:conversation_start", args=[getattr(world, with_whom).pk])


def test_message_button_starts_the_direct_conversation_then_reopens_it(
    world: World, as_user: Any
) -> None:
    sam = as_user("sam")
    first = sam.post(_start(world, "sam", "morgan"))
    again = sam.post(_start(world, "sam", "morgan"))
    conversation = Conversation.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == _thread(conversation)
    assert sorted(p.user.username for p in conversation.participants.all()) == ["morgan", "sam"]


def test_colleagues_page_has_a_message_button_but_my_own_does_not(
    world: World, as_user: Any
) -> None:
    sam = as_user("sam")
    colleague = page_text(sam.get(reverse("web:member", args=[world.morgan.pk])))
    mine = page_text(sam.get(reverse("web:member", args=[world.sam.pk])))
    assert f'action="{_start(world, "sam", "morgan")}"' in colleague
    assert "Message<span" not in mine


def test_my_rope_has_a_message_button_for_each_rope_holder(world: World, as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    for holder in ("jo", "morgan"):
        assert f'action="{_start(world, "sam", holder)}"' in html


def test_organisation_admin_gets_no_message_button(world: World, as_user: Any) -> None:
    html = page_text(as_user("admin").get(reverse("web:member", args=[world.sam.pk])))
    assert "conversation_start" not in html
    assert "/message/" not in html


def test_writing_to_myself_is_refused_with_a_reason(world: World, as_user: Any) -> None:
    response = as_user("sam").post(_start(world, "sam", "sam"), follow=True)
    assert "Choose at least one colleague." in page_text(response)
    assert not Conversation.objects.exists()


def test_outsider_gets_404_for_messaging_another_teams_member(world: World, as_user: Any) -> None:
    response = as_user("lee").post(_start(world, "lee", "sam"))
    assert response.status_code == 404
    assert not Conversation.objects.exists()


def test_anonymous_visitor_cannot_start_a_conversation(world: World) -> None:
    response = Client().post(_start(world, "sam", "morgan"))
    assert response.status_code == 302
    assert not Conversation.objects.exists()
