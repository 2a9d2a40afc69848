"""What several people actions share: parsing roles and grades, narrowing access."""

from django.utils.translation import gettext as _

from ropeteam.core.errors import parse_choice
from ropeteam.people.events import AccessNarrowed
from ropeteam.people.flow import Grade, Role
from ropeteam.realtime.publish import publish_on_commit


def _parse_role(role: str) -> Role:
    return parse_choice(Role, role, field="role", label=_("role"))


def _parse_grade(grade: str) -> Grade:
    return parse_choice(Grade, grade, field="grade", label=_("grade"))


def _narrowed(user_id: int) -> None:
    """Once committed, close this person's open sockets: they may see less."""
    publish_on_commit(AccessNarrowed(user_id=user_id))
