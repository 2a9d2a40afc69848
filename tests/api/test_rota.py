"""The duty rota: one duty lead at a time, kept by leads and team administrators."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from ropeteam.people.models import DutyShift
from tests.api.conftest import Api, audit_entries, iso, later
from tests.conftest import World


def _shift(world: World, start: datetime, hours: float = 8, lead: str = "priya") -> dict[str, Any]:
    return {
        "lead_id": getattr(world, lead).pk,
        "starts_at": iso(start),
        "ends_at": iso(start + timedelta(hours=hours)),
    }


def test_the_rota_lists_the_coming_shifts(
    world: World, api: Callable[[str], Api], shift: DutyShift
) -> None:
    response = api("sam").get(f"/teams/{world.northside.pk}/duty-shifts")

    assert response.status_code == 200
    [listed] = response.json()
    assert (listed["id"], listed["lead_id"], listed["lead_name"]) == (
        shift.pk,
        world.priya.pk,
        "Priya",
    )
    assert datetime.fromisoformat(listed["starts_at"]) == shift.starts_at
    assert datetime.fromisoformat(listed["ends_at"]) == shift.ends_at


def test_the_rota_can_be_read_for_a_chosen_window(
    world: World, api: Callable[[str], Api], shift: DutyShift
) -> None:
    sam = api("sam")
    before = shift.starts_at - timedelta(days=3)
    after = shift.ends_at + timedelta(days=1)

    around = sam.client.get(
        f"/api/v1/teams/{world.northside.pk}/duty-shifts",
        {"start": iso(before), "end": iso(after)},
        **sam.headers,
    )
    earlier = sam.client.get(
        f"/api/v1/teams/{world.northside.pk}/duty-shifts",
        {"start": iso(before), "end": iso(before + timedelta(days=1))},
        **sam.headers,
    )

    assert [s["id"] for s in around.json()] == [shift.pk]
    assert earlier.json() == []


def test_rota_times_without_a_zone_are_read_as_local_time(
    world: World, api: Callable[[str], Api], shift: DutyShift
) -> None:
    sam = api("sam")
    local_start = timezone.localtime(shift.starts_at).replace(tzinfo=None)

    response = sam.client.get(
        f"/api/v1/teams/{world.northside.pk}/duty-shifts",
        {"start": local_start.isoformat(), "end": (local_start + timedelta(hours=1)).isoformat()},
        **sam.headers,
    )

    assert response.status_code == 200
    assert [s["id"] for s in response.json()] == [shift.pk]


@pytest.mark.parametrize("editor", ["priya", "dee"])
def test_a_lead_or_team_administrator_puts_someone_on_the_rota(
    world: World, api: Callable[[str], Api], editor: str
) -> None:
    client = api(editor)
    start = later(days=2)

    response = client.post(
        f"/teams/{world.northside.pk}/duty-shifts", _shift(world, start, lead="morgan")
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["lead_id"], body["lead_name"]) == (world.morgan.pk, "Morgan")
    shift = DutyShift.objects.get(pk=body["id"])
    assert (shift.team, shift.lead, shift.starts_at) == (world.northside, world.morgan, start)
    assert body["id"] in [
        s["id"] for s in client.get(f"/teams/{world.northside.pk}/duty-shifts").json()
    ]
    entry = audit_entries("rota.shift_added")[-1]
    assert (entry.actor_id, entry.target_id) == (getattr(world, editor).pk, str(shift.pk))


@pytest.mark.parametrize("editor", ["priya", "dee"])
def test_a_lead_or_team_administrator_takes_a_shift_off_the_rota(
    world: World, api: Callable[[str], Api], shift: DutyShift, editor: str
) -> None:
    response = api(editor).delete(f"/teams/{world.northside.pk}/duty-shifts/{shift.pk}")

    assert response.status_code == 204
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
    assert audit_entries("rota.shift_removed")[-1].target_id == str(shift.pk)


def test_taking_off_a_shift_that_is_not_there_gets_404(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("priya").delete(f"/teams/{world.northside.pk}/duty-shifts/987654321")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such shift."}


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (-2, "A shift must end after it starts."),
        (0, "A shift must end after it starts."),
        (24 * 8, "A shift can last at most seven days."),
    ],
    ids=["ends before it starts", "no length", "longer than a week"],
)
def test_a_shift_must_have_a_sensible_length(
    world: World, api: Callable[[str], Api], hours: float, message: str
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/duty-shifts", _shift(world, later(days=2), hours)
    )

    assert response.status_code == 400
    assert response.json() == {"detail": message, "field": "ends_at"}
    assert not DutyShift.objects.exists()


def test_overlapping_shifts_are_a_conflict(
    world: World, api: Callable[[str], Api], shift: DutyShift
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/duty-shifts",
        _shift(world, shift.starts_at + timedelta(hours=4), lead="morgan"),
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This overlaps another duty shift: there is one duty lead at a time.",
        "field": "starts_at",
    }
    assert list(DutyShift.objects.values_list("pk", flat=True)) == [shift.pk]


def test_a_shift_right_after_another_is_fine(
    world: World, api: Callable[[str], Api], shift: DutyShift
) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/duty-shifts", _shift(world, shift.ends_at, lead="morgan")
    )

    assert response.status_code == 201


def test_the_duty_lead_must_be_in_the_team(world: World, api: Callable[[str], Api]) -> None:
    response = api("priya").post(
        f"/teams/{world.northside.pk}/duty-shifts", _shift(world, later(days=2), lead="kim")
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The duty lead must be a current member of the team.",
        "field": "lead_id",
    }
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [({"starts_at": "next tuesday"}, "starts_at"), ({"lead_id": "priya"}, "lead_id")],
)
def test_a_shift_with_unreadable_fields_is_refused(
    world: World, api: Callable[[str], Api], change: dict[str, str], field: str
) -> None:
    body = {**_shift(world, later(days=2)), **change}

    response = api("priya").post(f"/teams/{world.northside.pk}/duty-shifts", body)

    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "payload", field]
    assert not DutyShift.objects.exists()
