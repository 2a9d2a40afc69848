"""How times, phone numbers and stored values read on the page."""

from datetime import timedelta

from django.utils import timezone

from ropeteam.people.flow import Role
from ropeteam.web.templatetags.ropeteam import dial, label, when


def test_a_time_today_shows_only_the_clock(settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    today = timezone.localtime().replace(hour=14, minute=30)
    assert when(today) == "14:30"


def test_a_time_on_another_day_shows_the_day(settings) -> None:
    settings.TIME_ZONE = "Europe/London"
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(hour=8, minute=0)
    assert when(tomorrow) == f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b}, 08:00"


def test_phone_links_keep_digits_and_a_leading_plus() -> None:
    assert dial("07700 900-111") == "07700900111"
    assert dial("+44 (0)7700 900111") == "+447700900111"


def test_stored_values_read_as_words() -> None:
    assert label(Role.LEAD, "role") == "Team lead"
    assert label("on_visit", "status") == "On a visit"
    assert label("12_14", "age_band") == "12 to 14"
