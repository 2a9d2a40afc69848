"""What several people actions share: parsing roles and grades, narrowing access."""

from django.db import transaction
from django.utils.translation import gettext as _

from ropeteam.core.errors import parse_choice
from ropeteam.people import signals
from ropeteam.people.flow import Grade, Role


def _parse_role(role: str) -> Role:
    return parse_choice(Role, role, field="role", label=_("role"))


def _parse_grade(grade: str) -> Grade:
    return parse_choice(Grade, grade, field="grade", label=_("grade"))


def _narrowed(user_id: int) -> None:
    """Once committed, tell listeners (open sockets) that this person may see less."""
    transaction.on_commit(lambda: signals.access_narrowed.send(None, user_id=user_id))
