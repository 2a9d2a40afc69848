"""My rope: who holds my rope now, the duty lead, and my own availability."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.flow import Status
from ropeteam.people.models import User
from ropeteam.web.forms.base import next_time
from ropeteam.web.templatetags.ropeteam import when
from tests.conftest import World
from tests.web.conftest import page_text, refused

LONDON = ZoneInfo("Europe/London")


def _rope_section(html: str) -> str:
    return html[html.index('<ol class="rope">') : html.index("</ol>")]


def test_my_rope_lists_my_rope_holders_in_order(world: World, as_user) -> None:
    rope = _rope_section(page_text(as_user("sam").get(reverse("web:home"))))
    assert rope.index("Jo") < rope.index("Morgan")
    assert "Priya" not in rope


def test_first_available_rope_holder_is_marked_in_words(world: World, as_user) -> None:
    people.set_availability(actor=world.jo, status="on_visit")
    people.set_availability(actor=world.morgan, status="available")
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "Try Morgan first: available now." in html
    rope = _rope_section(html)
    assert rope.index("Try first") > rope.index("On a visit")


def test_no_available_rope_holder_points_to_the_duty_lead(world: World, as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "No rope holder is available right now: call the duty lead." in html


def test_rope_holders_can_be_called_or_texted_in_one_tap(world: World, as_user, rita: User) -> None:
    people.set_rope_holders(
        actor=world.priya, team=world.northside, worker=world.sam, holders=[rita]
    )
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert 'href="tel:07700900111"' in html
    assert 'href="sms:07700900111"' in html
    assert '<span class="visually-hidden"> Rita</span>' in html


def test_my_rope_shows_todays_duty_lead(world: World, as_user) -> None:
    now = timezone.now()
    people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.morgan,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    html = page_text(as_user("sam").get(reverse("web:home")))
    duty = html[html.index('id="duty-lead"') :]
    assert "Morgan" in duty[: duty.index("</div>")]


def test_without_a_shift_now_my_rope_says_there_is_no_duty_lead(world: World, as_user) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "No one is on the duty rota right now." in html


def test_setting_myself_busy_until_a_time_saves_it(world: World, as_user) -> None:
    until = timezone.localtime(timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    client = as_user("sam")
    response = client.post(
        reverse("web:availability"), {"status": "busy", "until": until.strftime("%H:%M")}
    )
    assert response.status_code == 302
    world.sam.refresh_from_db()
    availability = queries.availability_of(world.sam)
    assert availability.status == Status.BUSY
    assert availability.until == until
    html = page_text(client.get(reverse("web:home")))
    assert "Your availability is saved." in html
    # Just the clock, or the day too when two hours on is past midnight.
    assert f"Now: Busy until {when(until)}" in " ".join(html.split())


def test_availability_without_a_time_has_no_end(world: World, as_user) -> None:
    as_user("sam").post(reverse("web:availability"), {"status": "on_visit", "until": ""})
    world.sam.refresh_from_db()
    assert queries.availability_of(world.sam).until is None
    assert queries.availability_of(world.sam).status == Status.ON_VISIT


def test_a_time_already_past_today_means_tomorrow(settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    now = datetime(2025, 3, 4, 14, 0, tzinfo=LONDON)
    assert next_time(time(16, 30), now) == datetime(2025, 3, 4, 16, 30, tzinfo=LONDON)
    assert next_time(time(8, 0), now) == datetime(2025, 3, 5, 8, 0, tzinfo=LONDON)
    assert next_time(time(14, 0), now) == datetime(2025, 3, 5, 14, 0, tzinfo=LONDON)


def test_unknown_availability_is_refused_with_400(world: World, as_user) -> None:
    response = as_user("sam").post(reverse("web:availability"), {"status": "asleep"})
    assert refused(response, "Select a valid choice. asleep is not one of the available choices.")
    assert 'aria-describedby="id_status_error"' in page_text(response)
    world.sam.refresh_from_db()
    assert world.sam.availability_status == Status.OFF_SHIFT


def test_org_admin_without_a_membership_is_sent_to_choose_a_team(as_user) -> None:
    response = as_user("admin").get(reverse("web:home"))
    assert response["Location"] == reverse("web:teams")


def test_someone_in_no_team_is_sent_to_the_team_page(world: World) -> None:
    loner = people.create_account(actor=None, username="loner", display_name="", password=None)
    client = world.client_for(loner)
    assert client.get(reverse("web:home"))["Location"] == reverse("web:teams")
    html = page_text(client.get(reverse("web:teams")))
    assert "You are not in a team yet. Ask your team lead for an invitation link." in html


def test_available_after_busy_drops_the_until_the_form_still_shows(world: World, as_user) -> None:
    until = timezone.localtime(timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    client = as_user("sam")
    client.post(reverse("web:availability"), {"status": "busy", "until": until.strftime("%H:%M")})
    html = page_text(client.get(reverse("web:home")))
    assert f'value="{until.strftime("%H:%M")}"' in html  # the form shows the time

    # Sam picks "Available" and saves; the time field still holds the busy one.
    client.post(
        reverse("web:availability"), {"status": "available", "until": until.strftime("%H:%M")}
    )
    world.sam.refresh_from_db()
    assert queries.availability_of(world.sam).until is None
    html = page_text(client.get(reverse("web:home")))
    shown = html[html.index('id="my-availability"') :]
    assert " ".join(shown[shown.index(">") + 1 : shown.index("</p>")].split()) == "Now: Available"


def test_an_expired_busy_until_shows_as_available_to_colleagues(world: World, as_user) -> None:
    # Jo holds Sam's rope; busy until a time that has passed reads as available.
    people.set_availability(
        actor=world.jo, status="busy", until=timezone.now() + timedelta(minutes=5)
    )
    User.objects.filter(pk=world.jo.pk).update(
        availability_until=timezone.now() - timedelta(minutes=1)
    )
    html = page_text(as_user("sam").get(reverse("web:home")))
    assert "Try Jo first: available now." in html
    assert "Busy" not in _rope_section(html)
    board = page_text(as_user("sam").get(reverse("web:team")))
    assert "Busy" not in board
