from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ropeteam.people.flow import (
    Availability,
    Grade,
    Permission,
    Role,
    Status,
    effective_availability,
    role_allows,
    until_for,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_busy_until_a_time_in_the_future_stays_busy() -> None:
    until = NOW + timedelta(hours=1)
    assert effective_availability(Status.BUSY, until, NOW).status == Status.BUSY


def test_busy_until_a_time_that_passed_means_available_again() -> None:
    availability = effective_availability(Status.BUSY, NOW - timedelta(minutes=1), NOW)
    assert availability.status == Status.AVAILABLE
    assert availability.until is None


def test_available_until_the_end_of_a_shift_means_off_shift_after_it() -> None:
    availability = effective_availability(Status.AVAILABLE, NOW, NOW)
    assert availability.status == Status.OFF_SHIFT


@given(status=st.sampled_from(Status), minutes=st.integers(-10_000, 10_000))
def test_a_status_without_a_deadline_never_changes(status: Status, minutes: int) -> None:
    later = NOW + timedelta(minutes=minutes)
    assert effective_availability(status, None, later).status == status


BUSY_UNTIL = Availability(Status.BUSY, NOW + timedelta(minutes=46))


def test_a_new_status_does_not_keep_the_old_until() -> None:
    """ "Available" after "Busy until 12:46", with the form still showing 12:46."""
    assert until_for(Status.AVAILABLE, BUSY_UNTIL.until, BUSY_UNTIL) is None


def test_the_old_until_is_recognised_to_the_minute_as_the_form_shows_it() -> None:
    shown = Availability(Status.BUSY, NOW + timedelta(minutes=46, seconds=30))
    assert until_for(Status.ON_VISIT, NOW + timedelta(minutes=46), shown) is None


def test_a_new_status_keeps_a_new_until() -> None:
    later = NOW + timedelta(hours=2)
    assert until_for(Status.ON_VISIT, later, BUSY_UNTIL) == later


def test_the_same_status_keeps_its_until_or_takes_a_new_one() -> None:
    assert until_for(Status.BUSY, BUSY_UNTIL.until, BUSY_UNTIL) == BUSY_UNTIL.until
    later = NOW + timedelta(hours=2)
    assert until_for(Status.BUSY, later, BUSY_UNTIL) == later


@given(status=st.sampled_from(Status), minutes=st.integers(1, 10_000))
def test_an_until_is_kept_when_there_was_none_before(status: Status, minutes: int) -> None:
    until = NOW + timedelta(minutes=minutes)
    for before in Status:
        assert until_for(status, until, Availability(before, None)) == until


def test_only_leads_edit_rope_holders_and_administrators_never_change_risk() -> None:
    assert role_allows(Role.LEAD, Permission.EDIT_ROPE_HOLDERS)
    assert not role_allows(Role.PRACTITIONER, Permission.EDIT_ROPE_HOLDERS)
    assert not role_allows(Role.ADMINISTRATOR, Permission.CHANGE_RISK)
    assert role_allows(Role.ADMINISTRATOR, Permission.EDIT_ROTA)
    assert role_allows(Role.PRACTITIONER, Permission.CHANGE_RISK)


def test_grades_rank_from_administrator_to_manager() -> None:
    assert Grade.NEWLY_QUALIFIED.rank < Grade.SENIOR_PRACTITIONER.rank < Grade.MANAGER.rank
