"""The demo team: loaded through the same actions people use, and only once."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from ropeteam.audit import trail
from ropeteam.cases import actions as cases
from ropeteam.cases.models import RiskChange
from ropeteam.demo.concerns import load_concerns
from ropeteam.people import actions as people
from ropeteam.people.flow import Grade, Role, Status
from ropeteam.people.models import Organisation, Team, User

# Printed by `ropeteam demo`, which binds to loopback only; it meets the password policy
# (docs/security.md) so the demo shows what a real sign-in accepts.
PASSWORD = "hold-the-rope-together"  # noqa: S105
ORGANISATION = "Demo Trust"

# username, display name, role, grade, profession, phone
Member = tuple[str, str, Role, Grade, str, str]
NORTHSIDE: list[Member] = [
    ("priya", "Priya Shah", Role.LEAD, Grade.TEAM_LEAD, "Team lead, social worker", "07700 900101"),
    (
        "morgan",
        "Morgan Ellis",
        Role.PRACTITIONER,
        Grade.SENIOR_PRACTITIONER,
        "Clinical psychologist",
        "07700 900102",
    ),
    ("sam", "Sam Okafor", Role.PRACTITIONER, Grade.PRACTITIONER, "Keyworker", "07700 900103"),
    ("jo", "Jo Byrne", Role.PRACTITIONER, Grade.PRACTITIONER, "Keyworker", "07700 900104"),
    ("alex", "Alex Novak", Role.PRACTITIONER, Grade.NEWLY_QUALIFIED, "Keyworker", "07700 900105"),
    (
        "dee",
        "Dee Campbell",
        Role.ADMINISTRATOR,
        Grade.ADMINISTRATOR,
        "Team administrator",
        "07700 900106",
    ),
]
RIVERSIDE: list[Member] = [
    ("kim", "Kim Adeyemi", Role.LEAD, Grade.TEAM_LEAD, "Team lead", "07700 900201"),
    ("lee", "Lee Turner", Role.PRACTITIONER, Grade.PRACTITIONER, "Keyworker", "07700 900202"),
]
ROPES = {
    "sam": ["jo", "morgan", "priya"],
    "jo": ["sam", "morgan", "priya"],
    "alex": ["morgan", "sam", "priya"],
    "morgan": ["priya", "jo"],
    "priya": ["morgan"],
    "lee": ["kim"],
}
# keyworker: (reference, initials, age band, risk level) per case
CASES = {
    "Northside Outreach": {
        "sam": [
            ("NS-101", "JT", "15_17", "high"),
            ("NS-102", "AK", "12_14", "medium"),
            ("NS-103", "RB", "18_21", "low"),
        ],
        "jo": [
            ("NS-201", "MM", "15_17", "critical"),
            ("NS-202", "TS", "15_17", "medium"),
            ("NS-203", "LW", "12_14", "low"),
        ],
        "alex": [("NS-301", "DP", "18_21", "medium"), ("NS-302", "CF", "15_17", "low")],
        "morgan": [("NS-401", "EH", "15_17", "high"), ("NS-402", "KO", "22_25", "medium")],
    },
    "Riverside Youth": {
        "lee": [("RS-11", "NB", "15_17", "high"), ("RS-12", "SG", "12_14", "low")],
    },
}
REASONS = {
    "critical": "Missing overnight twice this week; exploitation concerns raised by school.",
    "high": "New contact with older peers linked to county lines; disengaging from college.",
    "medium": "Placement under strain after family argument; attending sessions again.",
    "low": "Settled at college and keeping appointments; plan reviewed with family.",
}


def is_loaded() -> bool:
    return Organisation.objects.filter(name=ORGANISATION).exists()


def load() -> bool:
    """Load the demo organisation unless it is there already; True when it was loaded."""
    if is_loaded():
        return False
    rng = random.Random(7)  # noqa: S311  not a secret: the same demo history every time
    with transaction.atomic():
        organisation, admin = _organisation()
        users, teams = _people(organisation, admin)
        for team_name, roster in (
            ("Northside Outreach", NORTHSIDE),
            ("Riverside Youth", RIVERSIDE),
        ):
            team = teams[team_name]
            lead = users[roster[0][0]]
            _ropes(team, lead, users, roster)
            _rota(team, lead, [users[r[0]] for r in roster if r[2] != Role.ADMINISTRATOR][:3])
            _cases(team, lead, users, CASES[team_name], rng)
        load_concerns(teams=teams, users=users, rng=rng)
        _availability(users)
    return True


def _organisation() -> tuple[Organisation, User]:
    """The demo organisation, its out-of-hours contact and its admin."""
    organisation = people.create_organisation(actor=None, name=ORGANISATION)
    organisation.out_of_hours_contact = "Emergency duty team 0300 555 0123"
    organisation.save(update_fields=["out_of_hours_contact"])
    admin = people.create_account(
        actor=None, username="admin", display_name="Organisation admin", password=PASSWORD
    )
    people.grant_org_admin(actor=None, organisation=organisation, user=admin)
    # The data-protection officer reads the audit trail (and is in no team).
    dpo = people.create_account(
        actor=None, username="dana", display_name="Dana Reid (data protection)", password=PASSWORD
    )
    trail.grant(actor=admin, user_id=dpo.pk, organisation_id=organisation.pk)
    return organisation, admin


def _people(organisation: Organisation, admin: User) -> tuple[dict[str, User], dict[str, Team]]:
    """The two teams and their members' accounts, by username and team name."""
    users: dict[str, User] = {}
    teams: dict[str, Team] = {}
    for team_name, roster in (
        ("Northside Outreach", NORTHSIDE),
        ("Riverside Youth", RIVERSIDE),
    ):
        team = people.create_team(actor=admin, organisation=organisation, name=team_name)
        teams[team_name] = team
        for username, name, role, grade, profession, phone in roster:
            user = people.create_account(
                actor=admin,
                username=username,
                display_name=name,
                password=PASSWORD,
                phone=phone,
            )
            people.add_member(
                actor=admin, team=team, user=user, role=role, grade=grade, profession=profession
            )
            users[username] = user
    return users, teams


def _ropes(team: Team, lead: User, users: dict[str, User], roster: list[Member]) -> None:
    """The lead sets the rope holders of the team's workers."""
    for worker, holders in ROPES.items():
        if worker in {r[0] for r in roster}:
            people.set_rope_holders(
                actor=lead,
                team=team,
                worker=users[worker],
                holders=[users[h] for h in holders],
            )


def _rota(team: Team, lead: User, rotation: list[User]) -> None:
    """Day shifts, 08:00 to 20:00, from a week ago to three weeks ahead."""
    today = timezone.localdate()
    for offset in range(-7, 22):
        day = today + timedelta(days=offset)
        start = timezone.make_aware(datetime.combine(day, time(8)))
        people.add_duty_shift(
            actor=lead,
            team=team,
            lead=rotation[offset % len(rotation)],
            starts_at=start,
            ends_at=start + timedelta(hours=12),
        )


def _cases(
    team: Team,
    lead: User,
    users: dict[str, User],
    caseload: dict[str, list[tuple[str, str, str, str]]],
    rng: random.Random,
) -> None:
    """Cases with a few weeks of risk history, most recent change last."""
    levels = ["low", "medium", "high", "critical"]
    for keyworker, rows in caseload.items():
        for reference, initials, band, level in rows:
            start = rng.choice(levels[:2])
            case = cases.open_case(
                actor=users[keyworker],
                team=team,
                reference=reference,
                initials=initials,
                age_band=band,
                risk_level=start,
                keyworker_ids=[users[keyworker].pk],
                reason="Referred by early help; first visits arranged.",
            )
            if level != start:
                cases.change_risk(actor=lead, case=case, level=level, reason=REASONS[level])
            # Spread the history over the past weeks, oldest first.
            changes = list(RiskChange.objects.filter(case=case).order_by("id"))
            days_ago = rng.randint(20, 40)
            for change in changes:
                RiskChange.objects.filter(pk=change.pk).update(
                    changed_at=timezone.now() - timedelta(days=days_ago, hours=rng.randint(0, 8))
                )
                days_ago = rng.randint(1, max(1, days_ago - 1))


def _availability(users: dict[str, User]) -> None:
    soon = timezone.now() + timedelta(hours=2)
    for username, status, until in [
        ("priya", Status.AVAILABLE, None),
        ("morgan", Status.BUSY, soon),
        ("sam", Status.AVAILABLE, None),
        ("jo", Status.AVAILABLE, None),
        ("alex", Status.ON_VISIT, soon),
        ("dee", Status.AVAILABLE, None),
        ("kim", Status.AVAILABLE, None),
        ("lee", Status.OFF_SHIFT, None),
    ]:
        people.set_availability(actor=users[username], status=status, until=until)
