"""The team's escalation times for overdue visits."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.people.access import require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.visits import flow
from ropeteam.visits.actions._common import _refused
from ropeteam.visits.flow import Refused, Step
from ropeteam.visits.models import ChainSettings


def chain_for(team: Team) -> dict[Step, timedelta]:
    """The team's escalation times, or the defaults."""
    own = ChainSettings.objects.filter(team=team).first()
    if own is None:
        return dict(flow.DEFAULT_CHAIN)
    return {
        Step.PROMPT_WORKER: timedelta(seconds=own.prompt_seconds),
        Step.ROPE_HOLDER: timedelta(seconds=own.rope_holder_seconds),
        Step.DUTY_LEAD: timedelta(seconds=own.duty_lead_seconds),
        Step.TEAM_LEAD: timedelta(seconds=own.team_lead_seconds),
    }


def set_chain(*, actor: User, team: Team, chain: dict[Step, timedelta]) -> ChainSettings:
    require(actor, team, Permission.EDIT_SETTINGS)
    try:
        flow.start(
            worker=0,
            rope_holder=None,
            now=timezone.now(),
            expected_end=timezone.now() + timedelta(1),
            chain=chain,
        )
    except Refused as error:
        raise _refused(error) from None
    seconds = {s: int(chain[s].total_seconds()) for s in Step}
    with transaction.atomic():
        row, _new = ChainSettings.objects.update_or_create(
            team=team,
            defaults={
                "prompt_seconds": seconds[Step.PROMPT_WORKER],
                "rope_holder_seconds": seconds[Step.ROPE_HOLDER],
                "duty_lead_seconds": seconds[Step.DUTY_LEAD],
                "team_lead_seconds": seconds[Step.TEAM_LEAD],
            },
        )
        record(
            actor=actor,
            action="visits.chain_set",
            target=team,
            team_id=team.pk,
            data={s.name.lower(): v for s, v in seconds.items()},
        )
    return row
