"""How long the colleague has to answer at each level, per team."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.concerns.actions.routing import next_up_choices
from ropeteam.concerns.flow import Level
from ropeteam.concerns.models import Times
from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people.access import require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User

# How long the colleague has to answer at each level before it is re-sent, then escalated.
DEFAULT_TIMES: dict[Level, timedelta] = {
    Level.PROBE: timedelta(hours=24),
    Level.ALERT: timedelta(hours=4),
    Level.CHALLENGE: timedelta(hours=1),
    Level.ESCALATE: timedelta(hours=1),
}


def times(team: Team) -> dict[Level, timedelta]:
    """How long the colleague has to answer at each level, for this team."""
    own = Times.objects.filter(team=team).first()
    if own is None:
        return dict(DEFAULT_TIMES)
    return {
        Level.PROBE: timedelta(seconds=own.probe_seconds),
        Level.ALERT: timedelta(seconds=own.alert_seconds),
        Level.CHALLENGE: timedelta(seconds=own.challenge_seconds),
        Level.ESCALATE: timedelta(seconds=own.escalate_seconds),
    }


def set_times(
    *, actor: User, team: Team, answer_within: dict[Level, timedelta], next_up_id: int | None
) -> Times:
    """The team lead sets each level's time to answer and who is above the lead."""
    require(actor, team, Permission.EDIT_SETTINGS)
    seconds = {level: int(w.total_seconds()) for level, w in answer_within.items()}
    if set(seconds) != set(Level) or any(s < 1 for s in seconds.values()):
        raise InvalidInput(_("Give a time of at least one second for each level."))
    if next_up_id is not None and next_up_id not in {u.pk for u in next_up_choices(team)}:
        raise NotFound(_("No such person in this organisation."), field="next_up_id")
    with transaction.atomic():
        row, _new = Times.objects.update_or_create(
            team=team,
            defaults={
                "probe_seconds": seconds[Level.PROBE],
                "alert_seconds": seconds[Level.ALERT],
                "challenge_seconds": seconds[Level.CHALLENGE],
                "escalate_seconds": seconds[Level.ESCALATE],
                "next_up_id": next_up_id,
            },
        )
        record(
            actor=actor,
            action="concerns.times_set",
            target=team,
            team_id=team.pk,
            data={
                **{level.name.lower(): s for level, s in seconds.items()},
                "next_up": next_up_id,
            },
        )
    return row
