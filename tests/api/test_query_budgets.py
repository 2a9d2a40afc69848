"""List endpoints cost a fixed number of queries, however big the team grows."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ropeteam.cases import actions as cases
from ropeteam.people import actions as people
from ropeteam.people.models import User
from tests.api.conftest import Api, later
from tests.conftest import World

MORE = 5


def _newcomers(world: World) -> list[User]:
    found = []
    for n in range(MORE):
        user = people.create_account(
            actor=None, username=f"newcomer{n}", display_name=f"Newcomer {n}", password=None
        )
        people.add_member(
            actor=world.priya,
            team=world.northside,
            user=user,
            role="practitioner",
            grade="practitioner",
        )
        found.append(user)
    return found


def _grow_members(world: World) -> None:
    _newcomers(world)


def _grow_cases(world: World) -> None:
    for n, user in enumerate(_newcomers(world)):
        cases.open_case(
            actor=world.sam,
            team=world.northside,
            reference=f"NS-{100 + n}",
            initials="AB",
            age_band="15_17",
            risk_level="medium",
            keyworker_ids=[user.pk, world.sam.pk],
        )


def _grow_rope(world: World) -> None:
    people.set_rope_holders(
        actor=world.priya, team=world.northside, worker=world.sam, holders=_newcomers(world)
    )


def _grow_rota(world: World) -> None:
    start = later(days=1)
    for n, user in enumerate(_newcomers(world)):
        people.add_duty_shift(
            actor=world.priya,
            team=world.northside,
            lead=user,
            starts_at=start + timedelta(hours=8 * n),
            ends_at=start + timedelta(hours=8 * (n + 1)),
        )


def _grow_invitations(world: World) -> None:
    for _n in range(MORE):
        people.invite_member(
            actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
        )


Listing = tuple[str, Callable[[World], None], int]
LISTS: list[Listing] = [
    # Budgets as measured: the token, the team, the caller's membership, then the list
    # itself; listing cases also appends to the audit log (one more query on PostgreSQL,
    # for the chain lock).
    ("/teams/{team}/members", _grow_members, 5),
    ("/teams/{team}/cases", _grow_cases, 11),
    ("/teams/{team}/members/{sam}/rope", _grow_rope, 8),
    ("/teams/{team}/duty-shifts", _grow_rota, 5),
    ("/teams/{team}/invitations", _grow_invitations, 5),
]


def _count(client: Api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("listing", LISTS, ids=[p for p, _g, _b in LISTS])
def test_a_list_costs_the_same_queries_for_a_small_and_a_bigger_team(
    world: World,
    api: Callable[[str], Api],
    django_assert_max_num_queries: Callable[[int], AbstractContextManager[object]],
    listing: Listing,
) -> None:
    path, grow, budget = listing
    priya = api("priya")
    url = path.format(team=world.northside.pk, sam=world.sam.pk)
    priya.get(url)  # the token's first use writes last_used_at; measure what follows
    small = _count(priya, url)

    grow(world)
    after = priya.get(url).json()
    large = _count(priya, url)

    assert len(after if isinstance(after, list) else after["holders"]) >= MORE
    assert large == small
    with django_assert_max_num_queries(budget):
        priya.get(url)
