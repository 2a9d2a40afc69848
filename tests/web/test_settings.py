"""My API tokens, and the teams I can work in."""

import re

from django.urls import reverse

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import Team
from tests.conftest import World
from tests.web.conftest import page_text, refused


def test_making_a_token_shows_it_only_once(world: World, as_user) -> None:
    client = as_user("sam")
    response = client.post(reverse("web:tokens"), {"name": "My phone"})
    found = re.search(r'<code id="new-token">([^<]+)</code>', page_text(response))
    assert found is not None
    assert people.authenticate_token(found.group(1)) == world.sam
    html = page_text(client.get(reverse("web:tokens")))
    assert "My phone" in html
    assert found.group(1) not in html


def test_token_without_a_name_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(reverse("web:tokens"), {"name": "  "})
    assert refused(response, "This field is required.")
    assert not queries.tokens_for(world.sam).exists()


def test_stopping_a_token_makes_it_fail(world: World, as_user) -> None:
    token, raw = people.create_token(actor=world.sam, name="Laptop")
    response = as_user("sam").post(reverse("web:token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("web:tokens")
    assert people.authenticate_token(raw) is None


def test_someone_elses_token_gives_404(world: World, as_user) -> None:
    token, raw = people.create_token(actor=world.jo, name="Laptop")
    assert as_user("sam").post(reverse("web:token_revoke", args=[token.pk])).status_code == 404
    assert people.authenticate_token(raw) == world.jo


def test_teams_page_marks_the_team_i_work_in(world: World, as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:teams")))
    assert "Working in this team now" in html
    assert "Riverside" not in html


def test_choosing_a_team_switches_the_pages_to_it(world: World, as_user) -> None:
    people.add_member(
        actor=world.admin,
        team=world.riverside,
        user=world.jo,
        role="practitioner",
        grade="practitioner",
    )
    client = as_user("jo")
    assert "Kim" not in page_text(client.get(reverse("web:team")))
    response = client.post(reverse("web:team_choose", args=[world.riverside.pk]))
    assert response["Location"] == reverse("web:team")
    html = page_text(client.get(reverse("web:team")))
    assert "You are now working in Riverside." in html
    assert '<p class="person__name">Kim</p>' in html
    assert "Riverside" in html[html.index('class="current-team"') :][:200]


def test_a_team_i_was_removed_from_is_no_longer_current(world: World, as_user) -> None:
    people.add_member(
        actor=world.admin,
        team=world.riverside,
        user=world.jo,
        role="practitioner",
        grade="practitioner",
    )
    client = as_user("jo")
    client.post(reverse("web:team_choose", args=[world.riverside.pk]))
    membership = world.riverside.memberships.get(user=world.jo)
    people.remove_member(actor=world.kim, membership=membership)
    assert '<p class="person__name">Priya</p>' in page_text(client.get(reverse("web:team")))


def test_outsider_gets_404_for_choosing_a_team_they_are_not_in(world: World, as_user) -> None:
    client = as_user("sam")
    assert client.post(reverse("web:team_choose", args=[world.riverside.pk])).status_code == 404
    assert "Riverside" not in page_text(client.get(reverse("web:team")))


def test_org_admin_chooses_a_team_and_sees_its_board(world: World, as_user) -> None:
    client = as_user("admin")
    client.post(reverse("web:team_choose", args=[world.riverside.pk]))
    html = page_text(client.get(reverse("web:team")))
    assert "Manage Lee" in html


def test_org_admin_adds_a_team(world: World, as_user) -> None:
    url = reverse("web:team_new", args=[world.organisation.pk])
    response = as_user("admin").post(url, {f"org{world.organisation.pk}-name": "Eastside"})
    assert response["Location"] == reverse("web:teams")
    assert Team.objects.filter(organisation=world.organisation, name="Eastside").exists()


def test_duplicate_team_name_is_refused_with_400(world: World, as_user) -> None:
    url = reverse("web:team_new", args=[world.organisation.pk])
    response = as_user("admin").post(url, {f"org{world.organisation.pk}-name": "Northside"})
    assert refused(response, "This organisation already has a team called “Northside”.")
    assert f'aria-describedby="id_org{world.organisation.pk}-name_error"' in page_text(response)


def test_team_lead_gets_404_for_adding_a_team(world: World, as_user) -> None:
    url = reverse("web:team_new", args=[world.organisation.pk])
    assert as_user("priya").post(url, {f"org{world.organisation.pk}-name": "X"}).status_code == 404
    assert "New team in" not in page_text(as_user("priya").get(reverse("web:teams")))
    assert not Team.objects.filter(name="X").exists()
