"""Next steps that act, on the web without script: widening the quorum at step 4."""

import re
from typing import Any

import pytest

from ropeteam.thinking import queries
from ropeteam.thinking.models import Consultation
from tests.conftest import World
from tests.web.conftest import page_text, refused
from tests.web.test_thinking import _at_step_4, _session, _url

pytestmark = pytest.mark.django_db


def _invite_choices(html: str) -> list[str]:
    """The names offered as colleagues to bring in."""
    return re.findall(r'name="outcome-invited_ids" value="\d+"[^>]*>\s*([^<]+)</label>', html)


def test_the_outcome_form_offers_only_colleagues_not_already_in_it(
    world: World, as_user: Any
) -> None:
    consultation = _at_step_4(world)
    html = page_text(as_user("sam").get(_session(consultation)))
    assert sorted(name.strip() for name in _invite_choices(html)) == [
        "Alex",
        "Dee",
        "Morgan",
        "Priya",
    ]


def test_widening_without_choosing_anyone_says_so_beside_the_field(
    world: World, as_user: Any
) -> None:
    consultation = _at_step_4(world)
    data = {"outcome-met": "no", "outcome-next_step": "widen"}
    response = as_user("sam").post(_url("web:thinking_outcome", consultation), data)
    assert refused(response, "Choose at least one colleague to bring in.")
    html = page_text(response)
    field = html[html.index('id="id_outcome-invited_ids"') - 600 :]
    assert "Choose at least one colleague to bring in." in field[:1500]
    assert Consultation.objects.get(pk=consultation.pk).state == "active"


def test_widening_carries_on_in_a_follow_up_that_the_invited_see_at_home(
    world: World, as_user: Any
) -> None:
    consultation = _at_step_4(world)
    data = {
        "outcome-met": "no",
        "outcome-next_step": "widen",
        "outcome-invited_ids": [str(world.alex.pk)],
    }
    sam = as_user("sam")
    response = sam.post(_url("web:thinking_outcome", consultation), data)
    follow = queries.follow_up_of(consultation)
    assert follow is not None
    assert response["Location"] == _session(follow)
    assert "Alex is invited: carry on thinking together." in page_text(sam.get(_session(follow)))
    home = page_text(as_user("alex").get("/"))
    assert "Sam invites you to a Thinking Together" in home
    assert f'href="{_session(follow)}"' in home
    assert "Step 1: Mark the task" in page_text(as_user("alex").get(_session(follow)))
    # Those in the round before are led on from it.
    closed = page_text(as_user("jo").get(_session(consultation)))
    assert f'href="{_session(follow)}"' in closed
    # Someone not brought in sees no invitation.
    assert "invites you" not in page_text(as_user("morgan").get("/"))


def test_a_colleague_ticked_for_another_next_step_is_not_invited(
    world: World, as_user: Any
) -> None:
    consultation = _at_step_4(world)
    data = {
        "outcome-met": "yes",
        "outcome-next_step": "close",
        "outcome-invited_ids": [str(world.alex.pk)],
    }
    as_user("sam").post(_url("web:thinking_outcome", consultation), data)
    assert queries.follow_up_of(consultation) is None
    assert "invites you" not in page_text(as_user("alex").get("/"))


def test_someone_outside_the_team_cannot_be_chosen(world: World, as_user: Any) -> None:
    consultation = _at_step_4(world)
    data = {
        "outcome-met": "no",
        "outcome-next_step": "widen",
        "outcome-invited_ids": [str(world.kim.pk)],
    }
    response = as_user("sam").post(_url("web:thinking_outcome", consultation), data)
    assert response.status_code == 400
    assert Consultation.objects.get(pk=consultation.pk).state == "active"
