"""Personas every test shares, built through the same actions people use.

Northside Outreach: priya (team lead), morgan (senior practitioner), sam and jo (keyworkers),
alex (newly qualified keyworker), dee (team administrator). Riverside Youth, another team in
the same organisation: kim (team lead) and lee (keyworker), our outsiders. admin runs the
organisation.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from ropeteam.audit.models import AuditEntry
from ropeteam.cases import actions as cases
from ropeteam.cases.models import Case
from ropeteam.people import actions as people
from ropeteam.people.models import Organisation, Team, User


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Argon2 is slow on purpose; the suite makes hundreds of users. A test checks that the
    # configured list still starts with Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Each test's audit chain has its own checkpointed head (the database starts afresh).
    settings.AUDIT_HEAD_FILE = tmp_path_factory.mktemp("audit") / "head.json"


@dataclass
class World:
    organisation: Organisation
    northside: Team
    riverside: Team
    admin: User
    priya: User
    morgan: User
    sam: User
    jo: User
    alex: User
    dee: User
    kim: User
    lee: User
    sams_case: Case
    lees_case: Case

    def client_for(self, user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client


PASSWORD = "correct horse battery staple"

# Being refused (403, 404) is itself audited: tests that check a refused request wrote
# nothing count every other entry.
REFUSED = "access.refused"


def audit_count() -> int:
    """How many audit entries there are, leaving out refusals (`access.refused`)."""
    return AuditEntry.objects.exclude(action=REFUSED).count()


def _person(username: str) -> User:
    return people.create_account(
        actor=None, username=username, display_name=username.title(), password=PASSWORD
    )


@pytest.fixture
def world(db: None) -> World:
    organisation = people.create_organisation(actor=None, name="Test Trust")
    admin = _person("admin")
    people.grant_org_admin(actor=None, organisation=organisation, user=admin)
    northside = people.create_team(actor=admin, organisation=organisation, name="Northside")
    riverside = people.create_team(actor=admin, organisation=organisation, name="Riverside")
    roster = {
        "priya": (northside, "lead", "team_lead"),
        "morgan": (northside, "practitioner", "senior_practitioner"),
        "sam": (northside, "practitioner", "practitioner"),
        "jo": (northside, "practitioner", "practitioner"),
        "alex": (northside, "practitioner", "newly_qualified"),
        "dee": (northside, "administrator", "administrator"),
        "kim": (riverside, "lead", "team_lead"),
        "lee": (riverside, "practitioner", "practitioner"),
    }
    users: dict[str, User] = {}
    for username, (team, role, grade) in roster.items():
        users[username] = _person(username)
        people.add_member(actor=admin, team=team, user=users[username], role=role, grade=grade)
    people.set_rope_holders(
        actor=users["priya"],
        team=northside,
        worker=users["sam"],
        holders=[users["jo"], users["morgan"]],
    )
    # Setting the rope enqueued "you now hold Sam's rope" alerts: they belong to building the
    # world, not to any test, which would otherwise find them among its own pushes.
    DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert").delete()
    sams_case = cases.open_case(
        actor=users["sam"],
        team=northside,
        reference="NS-1",
        initials="JT",
        age_band="15_17",
        risk_level="high",
        keyworker_ids=[users["sam"].pk],
    )
    lees_case = cases.open_case(
        actor=users["lee"],
        team=riverside,
        reference="RS-1",
        initials="NB",
        age_band="12_14",
        risk_level="low",
        keyworker_ids=[users["lee"].pk],
    )
    return World(
        organisation=organisation,
        northside=northside,
        riverside=riverside,
        admin=admin,
        sams_case=sams_case,
        lees_case=lees_case,
        **users,
    )


@pytest.fixture
def as_user(world: World) -> Iterator[Any]:
    """`as_user("sam")` gives a test client signed in as that persona."""
    yield lambda name: world.client_for(getattr(world, name))
