"""The team board, and one member's page: their rope, role and place in the team."""

from django.urls import reverse

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.flow import Role
from tests.conftest import World
from tests.web.conftest import page_text, refused


def _rope_post(*holders: object) -> dict[str, object]:
    return {f"rope-holder_{i}": h for i, h in enumerate(holders, start=1)}


def test_team_board_shows_everyone_with_availability_role_and_grade(world: World, as_user) -> None:
    people.set_availability(actor=world.jo, status="on_visit")
    html = page_text(as_user("sam").get(reverse("web:team")))
    for name in ("Priya", "Morgan", "Sam", "Jo", "Alex", "Dee"):
        assert f'<p class="person__name">{name}</p>' in html
    assert "Kim" not in html
    assert "Newly qualified" in html
    assert "Team administrator" in html
    assert "On a visit" in html


def test_lead_sees_a_link_to_manage_each_member(world: World, as_user) -> None:
    html = page_text(as_user("priya").get(reverse("web:team")))
    assert "Manage Alex" in html
    assert reverse("web:member", args=[world.alex.pk]) in html


def test_keyworker_sees_ropes_but_no_manage_links(world: World, as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:team")))
    assert "Manage" not in html
    assert "Who holds Alex’s rope" in html


def test_member_page_shows_their_rope_in_order(world: World, as_user) -> None:
    html = page_text(as_user("jo").get(reverse("web:member", args=[world.sam.pk])))
    rope = html[html.index('<ol class="rope">') :]
    assert rope.index("Jo") < rope.index("Morgan")


def test_keyworker_sees_no_rope_or_role_forms(world: World, as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:member", args=[world.alex.pk])))
    assert "Save rope holders" not in html
    assert "Save role and grade" not in html
    assert reverse("web:member_remove", args=[world.alex.pk]) not in html


def test_lead_sees_the_rope_form_filled_in_with_the_current_order(world: World, as_user) -> None:
    html = page_text(as_user("priya").get(reverse("web:member", args=[world.sam.pk])))
    assert "<legend>Rope holders, in the order they are tried</legend>" in html
    first = html[html.index('name="rope-holder_1"') :]
    first = first[: first.index("</select>")]
    assert f'<option value="{world.jo.pk}" selected>Jo</option>' in first
    assert f'value="{world.sam.pk}"' not in first  # nobody holds their own rope


def test_lead_sets_rope_holders_in_order_skipping_blanks(world: World, as_user) -> None:
    url = reverse("web:member_rope", args=[world.alex.pk])
    response = as_user("priya").post(url, _rope_post(world.morgan.pk, "", world.jo.pk, ""))
    assert response["Location"] == reverse("web:member", args=[world.alex.pk])
    assert queries.rope_holder_ids(world.northside, world.alex) == [world.morgan.pk, world.jo.pk]


def test_same_colleague_twice_is_refused_with_400(world: World, as_user) -> None:
    url = reverse("web:member_rope", args=[world.alex.pk])
    response = as_user("priya").post(url, _rope_post(world.jo.pk, world.jo.pk))
    assert refused(response, "Each colleague can hold the rope only once.")
    assert 'aria-describedby="rope-errors"' in page_text(response)
    assert queries.rope_holder_ids(world.northside, world.alex) == []


def test_keyworker_gets_403_for_setting_rope_holders(world: World, as_user) -> None:
    url = reverse("web:member_rope", args=[world.sam.pk])
    assert as_user("alex").post(url, _rope_post(world.alex.pk)).status_code == 403
    assert queries.rope_holder_ids(world.northside, world.sam) == [world.jo.pk, world.morgan.pk]


def test_outsider_gets_404_for_another_teams_member(world: World, as_user) -> None:
    kim = as_user("kim")
    assert kim.get(reverse("web:member", args=[world.sam.pk])).status_code == 404
    url = reverse("web:member_rope", args=[world.sam.pk])
    assert kim.post(url, _rope_post(world.lee.pk)).status_code == 404
    assert queries.rope_holder_ids(world.northside, world.sam) == [world.jo.pk, world.morgan.pk]


def test_lead_changes_role_grade_and_profession(world: World, as_user) -> None:
    response = as_user("priya").post(
        reverse("web:member_change", args=[world.morgan.pk]),
        {"member-role": "lead", "member-grade": "manager", "member-profession": "Psychologist"},
    )
    assert response.status_code == 302
    membership = queries.current_members(world.northside).get(user=world.morgan)
    assert (membership.role, membership.grade, membership.profession) == (
        Role.LEAD,
        "manager",
        "Psychologist",
    )


def test_last_lead_cannot_step_down_and_is_told_why(world: World, as_user) -> None:
    response = as_user("priya").post(
        reverse("web:member_change", args=[world.priya.pk]),
        {"member-role": "practitioner", "member-grade": "team_lead", "member-profession": ""},
    )
    assert refused(
        response, "A team needs a lead: make someone else lead before changing this role."
    )
    assert 'aria-describedby="id_member-role_error"' in page_text(response)


def test_keyworker_gets_403_for_changing_a_member(world: World, as_user) -> None:
    response = as_user("sam").post(
        reverse("web:member_change", args=[world.jo.pk]),
        {"member-role": "lead", "member-grade": "manager", "member-profession": ""},
    )
    assert response.status_code == 403
    assert "Your role in this team does not allow that." in page_text(response)


def test_removing_a_member_asks_first(world: World, as_user) -> None:
    response = as_user("priya").get(reverse("web:member_remove", args=[world.alex.pk]))
    assert "Yes, remove Alex" in page_text(response)
    assert queries.current_members(world.northside).filter(user=world.alex).exists()


def test_lead_removes_a_member_after_confirming(world: World, as_user) -> None:
    client = as_user("priya")
    response = client.post(reverse("web:member_remove", args=[world.jo.pk]))
    assert response["Location"] == reverse("web:team")
    assert not queries.current_members(world.northside).filter(user=world.jo).exists()
    assert queries.rope_holder_ids(world.northside, world.sam) == [world.morgan.pk]
    assert "Jo is no longer in the team." in page_text(client.get(reverse("web:team")))


def test_removing_the_last_lead_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("priya").post(reverse("web:member_remove", args=[world.priya.pk]))
    assert refused(response, "A team needs a lead: make someone else lead before removing them.")


def test_keyworker_gets_403_for_removing_a_member(world: World, as_user) -> None:
    assert as_user("sam").get(reverse("web:member_remove", args=[world.jo.pk])).status_code == 403
    assert as_user("sam").post(reverse("web:member_remove", args=[world.jo.pk])).status_code == 403
    assert queries.current_members(world.northside).filter(user=world.jo).exists()


def test_outsider_gets_404_for_changing_or_removing_another_teams_member(
    world: World, as_user
) -> None:
    kim = as_user("kim")
    change = {"member-role": "lead", "member-grade": "manager", "member-profession": ""}
    assert kim.post(reverse("web:member_change", args=[world.sam.pk]), change).status_code == 404
    assert kim.post(reverse("web:member_remove", args=[world.sam.pk])).status_code == 404
    membership = queries.current_members(world.northside).get(user=world.sam)
    assert membership.role == Role.PRACTITIONER
