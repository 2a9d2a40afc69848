"""Signing out from "My devices", and a lead or organisation admin signing someone out."""

from django.db import transaction
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import NotFound
from ropeteam.people import queries, sessions
from ropeteam.people.access import require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Membership, User
from ropeteam.realtime.conn import session_tag


def sign_out_session(*, actor: User, session_id: int, current_key: str) -> None:
    """End one of my other sessions (a lost phone); its sockets close, mine stay."""
    row = queries.get_signed_in_session(actor, session_id)
    if row is None or row.key_hash == session_tag(current_key):
        # This device's own session ends by signing out, which also wipes the device.
        raise NotFound(_("No such session."))
    with transaction.atomic():
        sessions.end_session(row=row)
        record(actor=actor, action="account.session_ended", target=actor, data={"session": row.pk})


def sign_out_other_sessions(*, actor: User, current_key: str) -> int:
    """End every session of mine but this one; how many ended."""
    others = queries.signed_in_sessions(actor).exclude(key_hash=session_tag(current_key))
    with transaction.atomic():
        rows = list(others)
        for row in rows:
            sessions.end_session(row=row)
        record(
            actor=actor,
            action="account.other_sessions_ended",
            target=actor,
            data={"sessions": [row.pk for row in rows]},
        )
    return len(rows)


def sign_out_everything(*, actor: User) -> None:
    """End all my sessions, this one too, and delete my API tokens."""
    with transaction.atomic():
        sessions.end_everything(user=actor, actor=actor)


def sign_out_everywhere(*, actor: User, membership: Membership) -> None:
    """A team lead or organisation admin ends every session and token of a member."""
    require(actor, membership.team, Permission.MANAGE_MEMBERS)
    with transaction.atomic():
        sessions.end_everything(user=membership.user, actor=actor, team_id=membership.team_id)
