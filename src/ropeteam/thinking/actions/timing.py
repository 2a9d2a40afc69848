"""How long each circle waits before a request widens, per team."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import InvalidInput
from ropeteam.people.access import require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.thinking import flow
from ropeteam.thinking.flow import Urgency
from ropeteam.thinking.models import Waits


def waits(team: Team) -> dict[Urgency, timedelta]:
    """How long each circle waits before the request widens, for this team."""
    own = Waits.objects.filter(team=team).first()
    if own is None:
        return dict(flow.DEFAULT_WAIT)
    return {
        Urgency.NOW: timedelta(seconds=own.now_seconds),
        Urgency.WITHIN_HOUR: timedelta(seconds=own.within_hour_seconds),
        Urgency.TODAY: timedelta(seconds=own.today_seconds),
    }


def set_waits(*, actor: User, team: Team, waits: dict[Urgency, timedelta]) -> Waits:
    """How long each circle waits before a request widens, by urgency, for this team."""
    require(actor, team, Permission.EDIT_SETTINGS)
    seconds: dict[str, int] = {u.value: int(w.total_seconds()) for u, w in waits.items()}
    if set(seconds) != {u.value for u in Urgency} or any(s < 1 for s in seconds.values()):
        raise InvalidInput(_("Give a wait of at least one second for each urgency."))
    with transaction.atomic():
        row, _new = Waits.objects.update_or_create(
            team=team,
            defaults={
                "now_seconds": seconds[Urgency.NOW.value],
                "within_hour_seconds": seconds[Urgency.WITHIN_HOUR.value],
                "today_seconds": seconds[Urgency.TODAY.value],
            },
        )
        record(actor=actor, action="thinking.waits_set", target=team, team_id=team.pk, data=seconds)
    return row
