"""What every page shares: sign-in, the header, the error pages and a strict CSP."""

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ropeteam.concerns import actions as concerns
from ropeteam.conversations import actions as conversations
from ropeteam.thinking import actions as thinking
from tests.conftest import World
from tests.web.conftest import page_text

SIGNED_IN_PAGES = [
    ("web:home", {}),
    ("web:team", {}),
    ("web:member", {"user_id": 1}),
    ("web:member_remove", {"user_id": 1}),
    ("web:invitations", {}),
    ("web:rota", {}),
    ("web:cases", {}),
    ("web:case_new", {}),
    ("web:case", {"case_id": 1}),
    ("web:case_edit", {"case_id": 1}),
    ("web:tokens", {}),
    ("web:teams", {}),
    ("web:conversations", {}),
    ("web:conversation", {"conversation_id": 1}),
    ("web:concerns", {}),
    ("web:concern_new", {}),
    ("web:concern_activity", {}),
    ("web:concern_times", {}),
    ("web:concern", {"concern_id": 1}),
]
FORMS = [
    ("web:availability", {}),
    ("web:member_rope", {"user_id": 1}),
    ("web:member_change", {"user_id": 1}),
    ("web:invitation_revoke", {"invitation_id": 1}),
    ("web:shift_add", {}),
    ("web:shift_remove", {"shift_id": 1}),
    ("web:case_risk", {"case_id": 1}),
    ("web:token_revoke", {"token_id": 1}),
    ("web:team_choose", {"team_id": 1}),
    ("web:team_new", {"organisation_id": 1}),
    ("web:conversation_start", {"user_id": 1}),
    ("web:concern_respond", {"concern_id": 1}),
    ("web:concern_step_up", {"concern_id": 1}),
    ("web:concern_challenge", {"concern_id": 1}),
    ("web:concern_resolve", {"concern_id": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), SIGNED_IN_PAGES + FORMS)
def test_anonymous_visitor_is_sent_to_sign_in(db: None, name: str, kwargs: dict[str, int]) -> None:
    url = reverse(name, kwargs=kwargs)
    response = Client().post(url) if (name, kwargs) in FORMS else Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize(("name", "kwargs"), FORMS)
def test_forms_only_accept_post(world: World, as_user, name: str, kwargs: dict[str, int]) -> None:
    assert as_user("priya").get(reverse(name, kwargs=kwargs)).status_code == 405


def _priyas_pages(world: World) -> list[str]:
    return [
        reverse("web:home"),
        reverse("web:team"),
        reverse("web:member", args=[world.sam.pk]),
        reverse("web:member_remove", args=[world.sam.pk]),
        reverse("web:invitations"),
        reverse("web:rota"),
        reverse("web:cases"),
        reverse("web:case_new"),
        reverse("web:case", args=[world.sams_case.pk]),
        reverse("web:case_edit", args=[world.sams_case.pk]),
        reverse("web:tokens"),
        reverse("web:teams"),
        reverse("web:conversations"),
        reverse("web:conversation", args=[_priyas_conversation(world)]),
        reverse("web:thinking_history"),
        reverse("web:thinking_new"),
        reverse("web:thinking_quick"),
        reverse("web:thinking_activity"),
        reverse("web:thinking", args=[_priyas_consultation(world)]),
        reverse("web:concerns"),
        reverse("web:concern_new"),
        reverse("web:concern_activity"),
        reverse("web:concern_times"),
        reverse("web:concern", args=[_priyas_concern(world)]),
    ]


def _priyas_concern(world: World) -> int:
    """Morgan raised something with Priya."""
    return concerns.raise_concern(
        actor=world.morgan,
        team=world.northside,
        colleague_id=world.priya.pk,
        level="probe",
        statement=concerns.Statement(noticed="The rota", asking="Can we talk?"),
    ).pk


def _priyas_consultation(world: World) -> int:
    """Priya asked Morgan, who is thinking with her in chat."""
    consultation = thinking.request_help(
        actor=world.priya,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=thinking.Ask("named", world.morgan.pk),
    )
    return thinking.accept(actor=world.morgan, consultation=consultation).pk


def _priyas_conversation(world: World) -> int:
    conversation, _is_new = conversations.start_conversation(
        actor=world.priya, team=world.northside, member_ids=[world.sam.pk]
    )
    return conversation.pk


def test_every_page_has_a_language_a_skip_link_and_one_main(world: World, as_user) -> None:
    client = as_user("priya")
    for url in _priyas_pages(world):
        html = page_text(client.get(url))
        assert '<html lang="en-gb">' in html, url
        assert '<a class="skip-link" href="#main">' in html, url
        assert html.count("<main ") == 1, url
        assert len(re.findall(r"<h1[ >]", html)) == 1, url


def test_no_page_needs_inline_script_or_style(world: World, as_user) -> None:
    client = as_user("priya")
    for url in [*_priyas_pages(world), reverse("web:offline")]:
        html = page_text(client.get(url))
        for forbidden in ("<style", " style=", "javascript:"):
            assert forbidden not in html, (url, forbidden)
        assert not re.search(r"<[^>]+\son[a-z]+=", html), (url, "event handler attribute")
        # Scripts come from files; the only script elements without one hold JSON data,
        # which the browser does not run.
        for tag in re.findall(r"<script[^>]*>", html):
            assert ' src="/static/' in tag or 'type="application/json"' in tag, (url, tag)


def test_pages_are_served_with_a_strict_content_security_policy(as_user) -> None:
    policy = as_user("sam").get(reverse("web:home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy


def test_header_marks_the_current_page(as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:rota")))
    assert '<a href="/team/rota/" aria-current="page">Rota</a>' in html
    assert 'aria-current="page">My rope' not in html


def test_keyworker_header_shows_cases_but_not_invitations(as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert reverse("web:cases") in html
    assert reverse("web:invitations") not in html


def test_lead_header_shows_invitations(as_user) -> None:
    assert reverse("web:invitations") in page_text(as_user("priya").get(reverse("web:home")))


def test_signing_out_is_a_form_in_the_header(as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert f'<form method="post" action="{reverse("web:logout")}" data-sign-out>' in html


def test_unknown_address_shows_the_friendly_404(as_user) -> None:
    response = as_user("sam").get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing here, or it is not yours to see." in page_text(response)


def test_stylesheet_is_served(db: None) -> None:
    response = Client().get("/static/ropeteam/ropeteam.css")
    assert response.status_code == 200
    assert b":focus-visible" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_a_stale_form_gets_a_plain_words_403(world: World) -> None:
    response = Client(enforce_csrf_checks=True).post(
        reverse("web:login"), {"username": "sam", "password": "x"}
    )
    assert response.status_code == 403
    assert "That form could not be sent" in page_text(response)


@pytest.mark.parametrize(
    "path",
    [
        "/team/members/{n}/",
        "/cases/{n}/",
        "/team/rota/{n}/remove/",
        "/teams/{n}/choose/",
        "/concerns/{n}/",
    ],
)
def test_an_id_too_long_for_any_database_is_a_404(as_user: Any, path: str) -> None:
    response = as_user("priya").get(path.format(n="9" * 30))
    assert response.status_code == 404
