"""List pages read the database a fixed number of times, however big the team grows."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ropeteam.cases import actions as cases
from ropeteam.people import actions as people
from ropeteam.people.models import User
from tests.conftest import World


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(world: World, numbers: range) -> None:
    """Add keyworkers, each with a case shared with Sam, a duty shift and a place on two ropes."""
    for i in numbers:
        user = people.create_account(
            actor=None, username=f"extra{i}", display_name=f"Extra {i}", password=None
        )
        people.add_member(
            actor=world.priya,
            team=world.northside,
            user=user,
            role="practitioner",
            grade="practitioner",
        )
        cases.open_case(
            actor=world.priya,
            team=world.northside,
            reference=f"X-{i}",
            initials="AB",
            age_band="15_17",
            risk_level="low",
            keyworker_ids=[user.pk, world.sam.pk],
        )
        start = timezone.now() + timedelta(days=i + 1)
        people.add_duty_shift(
            actor=world.priya,
            team=world.northside,
            lead=user,
            starts_at=start,
            ends_at=start + timedelta(hours=8),
        )
    holders = [world.jo, *User.objects.filter(username__startswith="extra").order_by("pk")]
    for worker in (world.priya, world.sam):
        people.set_rope_holders(
            actor=world.priya, team=world.northside, worker=worker, holders=holders
        )


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(lambda w: reverse("web:home"), id="home"),
        pytest.param(lambda w: reverse("web:team"), id="team"),
        pytest.param(lambda w: reverse("web:member", args=[w.sam.pk]), id="member"),
        pytest.param(lambda w: reverse("web:rota"), id="rota"),
        pytest.param(lambda w: reverse("web:cases"), id="cases"),
        pytest.param(lambda w: reverse("web:case", args=[w.sams_case.pk]), id="case"),
    ],
)
def test_page_queries_do_not_grow_with_the_team(world: World, url: Callable[[World], str]) -> None:
    client = world.client_for(world.priya)
    _grow(world, range(1))
    # A first read of a case writes its audit entry and a repeat within minutes does not
    # (`record_read`), so both measured reads are repeats.
    _queries(client, url(world))
    before = _queries(client, url(world))
    _grow(world, range(1, 4))
    assert _queries(client, url(world)) == before
