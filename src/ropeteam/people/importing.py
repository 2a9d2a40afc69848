"""Teams and accounts from a CSV file (`ropeteam import-team`): one transaction, all or none;
and the first organisation admin (`ropeteam createadmin`).

Each row goes through the same actions a person would use (create_team, create_account,
add_member), so the import is audited and validated like any other change.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

from django.db import transaction
from django.utils.translation import gettext as _

from ropeteam.core.errors import InvalidInput, RopeteamError
from ropeteam.people import actions, queries
from ropeteam.people.flow import IMPORT_COLUMNS, IMPORT_REQUIRED
from ropeteam.people.models import Organisation, Team, User


def read_rows(handle: TextIO) -> list[dict[str, str]]:
    """The CSV's rows, or the refusal that names the columns it needs."""
    rows = list(csv.DictReader(handle))
    missing = [c for c in IMPORT_REQUIRED if rows and c not in rows[0]]
    if not rows or missing:
        raise InvalidInput(
            _(
                "The CSV needs a header row with the columns %(columns)s (%(required)s are "
                "required); missing: %(missing)s."
            )
            % {
                "columns": ", ".join(IMPORT_COLUMNS),
                "required": ", ".join(IMPORT_REQUIRED),
                "missing": ", ".join(missing) or "-",
            }
        )
    return rows


def import_team(*, organisation: Organisation, rows: Iterable[dict[str, str]]) -> list[User]:
    """Create what the rows name (teams, accounts, memberships); the new accounts.

    Rows already in place are left as they are. A refusal names its line (the header is line
    1) and nothing is imported.
    """
    new_accounts: list[User] = []
    with transaction.atomic():
        for line, row in enumerate(rows, start=2):
            try:
                user, is_new = _import_row(organisation, row)
            except RopeteamError as error:
                raise type(error)(
                    _("line %(line)d: %(message)s") % {"line": line, "message": error.message},
                    field=error.field,
                ) from error
            if is_new:
                new_accounts.append(user)
    return new_accounts


def create_org_admin(
    *, organisation_name: str, username: str, password: str, email: str
) -> tuple[User, Organisation]:
    """A new account that administers the organisation of this name, made if it is new."""
    organisation = queries.organisation_named(organisation_name)
    if organisation is None:
        organisation = actions.create_organisation(actor=None, name=organisation_name)
    user = actions.create_account(
        actor=None, username=username, display_name=username, password=password, email=email
    )
    actions.grant_org_admin(actor=None, organisation=organisation, user=user)
    return user, organisation


def _import_row(organisation: Organisation, row: dict[str, str]) -> tuple[User, bool]:
    name = row["team"].strip()
    team = Team.objects.filter(organisation=organisation, name=name).first()
    if team is None:
        team = actions.create_team(actor=None, organisation=organisation, name=name)
    user = User.objects.filter(username=row["username"].strip()).first()
    is_new = user is None
    if user is None:
        user = actions.create_account(
            actor=None,
            username=row["username"],
            display_name=row.get("display_name") or "",
            password=None,
            email=row.get("email") or "",
            phone=row.get("phone") or "",
        )
    if not user.memberships.filter(team=team, removed_at__isnull=True).exists():
        actions.add_member(
            actor=None,
            team=team,
            user=user,
            role=row["role"],
            grade=row["grade"],
            profession=row.get("profession") or "",
        )
    return user, is_new
