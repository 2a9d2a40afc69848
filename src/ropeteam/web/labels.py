"""The words people read for each stored value (roles, grades, availability, risk, age)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.flow import AgeBand, RiskLevel
from ropeteam.people.flow import Grade, Role, Status

STATUS: dict[str, Promise] = {
    Status.AVAILABLE: _("Available"),
    Status.BUSY: _("Busy"),
    Status.ON_VISIT: _("On a visit"),
    Status.OFF_SHIFT: _("Off shift"),
}
ROLE: dict[str, Promise] = {
    Role.LEAD: _("Team lead"),
    Role.PRACTITIONER: _("Practitioner"),
    Role.ADMINISTRATOR: _("Team administrator"),
}
GRADE: dict[str, Promise] = {
    Grade.ADMINISTRATOR: _("Administrator"),
    Grade.NEWLY_QUALIFIED: _("Newly qualified"),
    Grade.PRACTITIONER: _("Practitioner"),
    Grade.SENIOR_PRACTITIONER: _("Senior practitioner"),
    Grade.TEAM_LEAD: _("Team lead"),
    Grade.MANAGER: _("Manager"),
}
RISK: dict[str, Promise] = {
    RiskLevel.LOW: _("Low"),
    RiskLevel.MEDIUM: _("Medium"),
    RiskLevel.HIGH: _("High"),
    RiskLevel.CRITICAL: _("Critical"),
}
AGE_BAND: dict[str, Promise] = {
    AgeBand.UNDER_12: _("Under 12"),
    AgeBand.AGE_12_14: _("12 to 14"),
    AgeBand.AGE_15_17: _("15 to 17"),
    AgeBand.AGE_18_21: _("18 to 21"),
    AgeBand.AGE_22_25: _("22 to 25"),
}
# The states of a message its sender sees (docs/protocol.md, "Message states").
MESSAGE_STATE: dict[str, Promise] = {
    "waiting": _("Waiting to send"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "read": _("Read"),
}
KINDS = {
    "status": STATUS,
    "role": ROLE,
    "grade": GRADE,
    "risk": RISK,
    "age_band": AGE_BAND,
    "message_state": MESSAGE_STATE,
}


def choices(labels: dict[str, Promise], *, blank: bool = False) -> list[tuple[str, Promise]]:
    """Choices for a form field; `blank` starts with an empty one, so nobody picks by default."""
    first = [("", _("Choose…"))] if blank else []
    return first + [(str(value), label) for value, label in labels.items()]
