"""The duty rota: who is duty lead now, the next two weeks, adding and removing shifts."""

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from ropeteam.people import actions as people
from ropeteam.people import queries
from ropeteam.people.models import DutyShift, User
from tests.conftest import World
from tests.web.conftest import page_text, refused


def _shift(world: World, lead: User, start: datetime, hours: int = 12) -> DutyShift:
    return people.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=lead,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _add(world: World, lead: User, start: datetime, end: datetime) -> dict[str, object]:
    return {"shift-lead": lead.pk, "shift-starts_at": _local(start), "shift-ends_at": _local(end)}


def _upcoming(world: World) -> list[DutyShift]:
    now = timezone.now()
    return list(queries.duty_rota(world.northside, now, now + timedelta(days=30)))


def test_rota_shows_who_is_on_duty_now_and_the_next_two_weeks(world: World, as_user) -> None:
    now = timezone.now()
    _shift(world, world.morgan, now - timedelta(hours=1), hours=2)
    _shift(world, world.jo, now + timedelta(days=1))
    _shift(world, world.sam, now + timedelta(days=20))
    html = page_text(as_user("alex").get(reverse("web:rota")))
    duty_now = html[html.index('id="duty-now"') :]
    assert duty_now[: duty_now.index("</p>")].startswith(
        'id="duty-now"><strong>Morgan</strong>, until'
    )
    assert '<p class="person__name">Jo</p>' in html
    assert '<p class="person__name">Sam</p>' not in html


def test_rota_says_when_nobody_is_on_duty(world: World, as_user) -> None:
    html = page_text(as_user("alex").get(reverse("web:rota")))
    assert "No one is on duty right now." in html


def test_keyworker_sees_no_rota_controls(world: World, as_user) -> None:
    _shift(world, world.jo, timezone.now() + timedelta(days=1))
    html = page_text(as_user("alex").get(reverse("web:rota")))
    assert "Add a shift" not in html
    assert "Take off the rota" not in html


def test_administrator_puts_a_shift_on_the_rota(world: World, as_user) -> None:
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=2)
    response = as_user("dee").post(
        reverse("web:shift_add"), _add(world, world.jo, start, start + timedelta(hours=8))
    )
    assert response["Location"] == reverse("web:rota")
    [shift] = _upcoming(world)
    assert (shift.lead, shift.starts_at, shift.ends_at) == (
        world.jo,
        start,
        start + timedelta(hours=8),
    )


def test_overlapping_shift_is_refused_with_400(world: World, as_user) -> None:
    start = timezone.now() + timedelta(days=2)
    _shift(world, world.morgan, start)
    response = as_user("dee").post(
        reverse("web:shift_add"),
        _add(world, world.jo, start + timedelta(hours=1), start + timedelta(hours=3)),
    )
    assert refused(response, "This overlaps another duty shift: there is one duty lead at a time.")
    assert 'aria-describedby="id_shift-starts_at_error"' in page_text(response)
    assert len(_upcoming(world)) == 1


def test_shift_ending_before_it_starts_is_refused_with_400(world: World, as_user) -> None:
    start = timezone.now() + timedelta(days=2)
    response = as_user("dee").post(
        reverse("web:shift_add"), _add(world, world.jo, start, start - timedelta(hours=1))
    )
    assert refused(response, "A shift must end after it starts.")
    assert _upcoming(world) == []


def test_keyworker_gets_403_for_adding_a_shift(world: World, as_user) -> None:
    start = timezone.now() + timedelta(days=2)
    response = as_user("alex").post(
        reverse("web:shift_add"), _add(world, world.alex, start, start + timedelta(hours=2))
    )
    assert response.status_code == 403
    assert _upcoming(world) == []


def test_lead_takes_a_shift_off_the_rota(world: World, as_user) -> None:
    shift = _shift(world, world.jo, timezone.now() + timedelta(days=1))
    response = as_user("priya").post(reverse("web:shift_remove", args=[shift.pk]))
    assert response["Location"] == reverse("web:rota")
    assert _upcoming(world) == []


def test_outsider_gets_404_for_another_teams_shift(world: World, as_user) -> None:
    shift = _shift(world, world.jo, timezone.now() + timedelta(days=1))
    assert as_user("kim").post(reverse("web:shift_remove", args=[shift.pk])).status_code == 404
    assert _upcoming(world) == [shift]
