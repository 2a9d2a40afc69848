"""Roles, grades and availability as plain Python: what each allows and how it reads."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a member may do in their team: this decides permissions."""

    LEAD = "lead"
    PRACTITIONER = "practitioner"
    ADMINISTRATOR = "administrator"


class Grade(StrEnum):
    """Where a member stands in the hierarchy, so later features can tell up from down."""

    ADMINISTRATOR = "administrator"
    NEWLY_QUALIFIED = "newly_qualified"
    PRACTITIONER = "practitioner"
    SENIOR_PRACTITIONER = "senior_practitioner"
    TEAM_LEAD = "team_lead"
    MANAGER = "manager"

    @property
    def rank(self) -> int:
        return list(Grade).index(self)


class Status(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    ON_VISIT = "on_visit"
    OFF_SHIFT = "off_shift"


class Permission(StrEnum):
    VIEW_TEAM = "view_team"
    MANAGE_MEMBERS = "manage_members"
    EDIT_ROPE_HOLDERS = "edit_rope_holders"
    EDIT_ROTA = "edit_rota"
    VIEW_CASES = "view_cases"
    EDIT_CASES = "edit_cases"
    CHANGE_RISK = "change_risk"
    VIEW_ACTIVITY = "view_activity"  # the team's figures (never anyone's notes)
    EDIT_SETTINGS = "edit_settings"  # how long requests wait, escalation times


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.LEAD: frozenset(Permission),
    Role.PRACTITIONER: frozenset(
        {Permission.VIEW_TEAM, Permission.VIEW_CASES, Permission.EDIT_CASES, Permission.CHANGE_RISK}
    ),
    # A team administrator keeps the rota and sees case references for their work, but
    # makes no clinical judgement: no risk changes, no rope holders.
    Role.ADMINISTRATOR: frozenset(
        {Permission.VIEW_TEAM, Permission.EDIT_ROTA, Permission.VIEW_CASES}
    ),
}
# An organisation admin runs teams and accounts, and never sees case content.
ORG_ADMIN_PERMISSIONS = frozenset({Permission.VIEW_TEAM, Permission.MANAGE_MEMBERS})


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


@dataclass(frozen=True)
class Availability:
    status: Status
    until: datetime | None


def effective_availability(status: Status, until: datetime | None, now: datetime) -> Availability:
    """What a status set "until" a time means once that time has passed.

    Busy, on a visit or off shift until a time means available after it; available until a
    time (the end of a shift) means off shift after it.
    """
    if until is None or until > now:
        return Availability(status, until)
    after = Status.OFF_SHIFT if status == Status.AVAILABLE else Status.AVAILABLE
    return Availability(after, None)


def until_for(status: Status, until: datetime | None, before: Availability) -> datetime | None:
    """The "until" a newly set status keeps.

    An "until" belongs to the status it was set with. The form shows the current one and a
    client may read, change and write back the whole availability, so the old "until" often
    comes back with a new status: "Available" after "Busy until 15:46" must not read
    "Available until 15:46". An "until" equal to the one shown before (to the minute, as the
    form shows it) is dropped when the status changes; a new time is kept.
    """
    if until is None or before.until is None or status == before.status:
        return until
    if _to_the_minute(until) == _to_the_minute(before.until):
        return None
    return until


def _to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 20
PHONE_CHARACTERS = frozenset("0123456789 +")


def is_phone(phone: str) -> bool:
    """Loosely, a phone number: digits, spaces and a leading +, with 6 to 20 digits."""
    digits = sum(c.isdigit() for c in phone)
    return (
        set(phone) <= PHONE_CHARACTERS
        and "+" not in phone[1:]
        and MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS
    )


# The columns of `ropeteam import-team`'s CSV file (people/importing.py); the first four are
# required.
IMPORT_COLUMNS = (
    "team",
    "username",
    "role",
    "grade",
    "display_name",
    "profession",
    "phone",
    "email",
)
IMPORT_REQUIRED = IMPORT_COLUMNS[:4]


# What "My devices" calls a browser and a system, from the User-Agent header; order matters
# (Edge and Samsung Internet also say Chrome, Chrome also says Safari).
BROWSERS = (
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_words(user_agent: str) -> tuple[str, str]:
    """The browser and the system a User-Agent names, in plain words ("" when unknown)."""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    return browser, system


def coarse_address(address: str) -> str:
    """The network an address is in (IPv4 /24, IPv6 /48): enough to tell home from office,
    not enough to find a house."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
