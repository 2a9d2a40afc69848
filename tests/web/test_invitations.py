"""Invitation links: a lead makes one, the new colleague joins with it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from ropeteam.core.errors import NotFound
from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import User
from tests.conftest import PASSWORD, World
from tests.web.conftest import page_text, refused

INVITE = {"role": "practitioner", "grade": "newly_qualified", "note": "New starter"}


def _join_form(**changes: str) -> dict[str, str]:
    return {
        "username": "casey",
        "display_name": "Casey Lane",
        "phone": "07700 900 222",
        "password": PASSWORD,
        "password_again": PASSWORD,
        **changes,
    }


def _invite(world: World) -> str:
    _invitation, raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    return raw


def test_lead_makes_a_link_and_sees_it_only_once(world: World, as_user) -> None:
    client = as_user("priya")
    response = client.post(reverse("web:invitations"), INVITE)
    assert response.status_code == 200
    link = re.search(r'<code id="invitation-link">([^<]+)</code>', page_text(response))
    assert link is not None
    assert link.group(1).startswith("http://testserver/join/")
    assert [i.note for i in queries.pending_invitations(world.northside)] == ["New starter"]
    html = page_text(client.get(reverse("web:invitations")))
    assert link.group(1) not in html
    assert "New starter" in html


def test_the_link_shown_lets_someone_join(world: World, as_user) -> None:
    html = page_text(as_user("priya").post(reverse("web:invitations"), INVITE))
    path = re.search(r"http://testserver(/join/[^<]+)</code>", html)
    assert path is not None
    assert "Join Northside" in page_text(Client().get(path.group(1)))


def test_unknown_role_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("priya").post(reverse("web:invitations"), {**INVITE, "role": "boss"})
    assert refused(response, "Select a valid choice. boss is not one of the available choices.")
    assert not queries.pending_invitations(world.northside).exists()


def test_keyworker_gets_403_for_invitations(world: World, as_user) -> None:
    assert as_user("sam").get(reverse("web:invitations")).status_code == 403
    assert as_user("sam").post(reverse("web:invitations"), INVITE).status_code == 403
    assert not queries.pending_invitations(world.northside).exists()


def test_lead_stops_a_link_working(world: World, as_user) -> None:
    raw = _invite(world)
    invitation = queries.pending_invitations(world.northside).get()
    response = as_user("priya").post(reverse("web:invitation_revoke", args=[invitation.pk]))
    assert response["Location"] == reverse("web:invitations")
    with pytest.raises(NotFound):
        people.find_invitation(raw)


def test_outsider_gets_404_for_revoking_another_teams_link(world: World, as_user) -> None:
    raw = _invite(world)
    invitation = queries.pending_invitations(world.northside).get()
    response = as_user("kim").post(reverse("web:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 404
    assert people.find_invitation(raw) == invitation


def test_join_page_names_the_team(world: World) -> None:
    response = Client().get(reverse("web:join", args=[_invite(world)]))
    assert response.status_code == 200
    assert "Join Northside" in page_text(response)


def test_joining_makes_the_account_signs_in_and_goes_to_my_rope(world: World) -> None:
    client = Client()
    response = client.post(reverse("web:join", args=[_invite(world)]), _join_form())
    assert response["Location"] == reverse("web:home")
    casey = User.objects.get(username="casey")
    assert (casey.display_name, casey.phone) == ("Casey Lane", "07700 900 222")
    assert queries.current_members(world.northside).filter(user=casey, role="practitioner")
    html = page_text(client.get(reverse("web:home")))
    assert "Welcome to Northside." in html
    assert "Who holds my rope" in html


def test_passwords_that_differ_are_refused_with_400(world: World) -> None:
    response = Client().post(
        reverse("web:join", args=[_invite(world)]), _join_form(password_again="something else")
    )
    assert refused(response, "The two passwords are not the same.")
    assert not User.objects.filter(username="casey").exists()


def test_taken_username_is_refused_with_400(world: World) -> None:
    response = Client().post(reverse("web:join", args=[_invite(world)]), _join_form(username="Sam"))
    assert refused(response, "The username “Sam” is taken.")
    assert 'aria-describedby="id_username_error"' in page_text(response)


def test_weak_password_is_refused_with_400(world: World) -> None:
    response = Client().post(
        reverse("web:join", args=[_invite(world)]),
        _join_form(password="password", password_again="password"),
    )
    assert refused(response, "This password is too common.")


def test_used_link_gives_a_friendly_404(world: World) -> None:
    raw = _invite(world)
    Client().post(reverse("web:join", args=[raw]), _join_form())
    response = Client().get(reverse("web:join", args=[raw]))
    assert response.status_code == 404
    assert (
        "This invitation link has expired or was already used. Ask your team lead for a new one."
        in page_text(response)
    )


def test_expired_link_gives_a_friendly_404(world: World, settings) -> None:
    settings.INVITATION_TTL_HOURS = 0
    response = Client().post(reverse("web:join", args=[_invite(world)]), _join_form())
    assert response.status_code == 404
    assert "Ask your team lead for a new one." in page_text(response)
    assert not User.objects.filter(username="casey").exists()


def test_new_invitations_start_as_a_practitioner_not_a_lead(as_user) -> None:
    html = page_text(as_user("priya").get(reverse("web:invitations")))
    assert '<option value="practitioner" selected>Practitioner</option>' in html
    assert '<option value="lead" selected>' not in html
