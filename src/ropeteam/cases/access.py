"""The only door to cases: outsiders get 404, members without the role 403."""

from django.utils.translation import gettext as _

from ropeteam.cases.models import Case
from ropeteam.core.errors import Forbidden, NotFound
from ropeteam.people.access import AnyUser, can
from ropeteam.people.flow import Permission


def access_case(user: AnyUser, case_id: int, *, need: Permission = Permission.VIEW_CASES) -> Case:
    """A case in a team where the person may see cases, if they also have `need`."""
    case = Case.objects.select_related("team", "team__organisation").filter(pk=case_id).first()
    if case is None or not can(user, case.team, Permission.VIEW_CASES):
        raise NotFound(_("No such case."))
    if not can(user, case.team, need):
        raise Forbidden(_("Your role in this team does not allow that."))
    return case
