"""What the visit actions share: limits, refusals, the lock, the chains, telling."""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ropeteam.core.errors import Conflict, Forbidden, InvalidInput
from ropeteam.escalation import engine
from ropeteam.escalation.models import Chain
from ropeteam.notify.tasks import alert_address_later, alert_later
from ropeteam.people import queries as people
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, Team
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.visits import flow, links
from ropeteam.visits.events import VisitChanged
from ropeteam.visits.flow import CHAIN, ROPE, Refused, State, Step
from ropeteam.visits.models import ALARM, Escalation, Visit

MAX_LOCATION = 200
MAX_NOTE = 500
MAX_VISIT = timedelta(hours=12)
ROPE_WAIT = timedelta(minutes=5)  # the rope holder has this long to accept before the next
# Who an alarm's repeats add to those it told (the rope holder and the duty lead): from the
# first repeat the team's leads, from the second the organisation's out-of-hours contact
# (e-mailed, and alerted if a person with an account). Each repeat tells everyone told so far.
ALARM_TEAM_LEADS_AT = 1
ALARM_OUT_OF_HOURS_AT = 2


def repeat_every() -> timedelta:
    """How often the top step of a visit's chain alerts again until someone acknowledges."""
    return timedelta(seconds=settings.VISIT_REPEAT_SECONDS)


def _refused(error: Refused) -> Exception:
    messages: dict[str, Callable[[], Exception]] = {
        "end_in_past": lambda: InvalidInput(
            _("The expected end must be in the future."), field="expected_end"
        ),
        "own_rope": lambda: InvalidInput(
            _("Someone else must hold your rope."), field="rope_holder_id"
        ),
        "chain_order": lambda: InvalidInput(
            _("Each escalation step must come after the one before.")
        ),
        "not_awaiting": lambda: Conflict(_("The rope is already held.")),
        "not_rope_holder": lambda: Forbidden(_("Only the rope holder can do that.")),
        "ended": lambda: Conflict(_("This visit has ended.")),
        "not_worker": lambda: Forbidden(_("Only the worker on the visit can do that.")),
        "extension_range": lambda: InvalidInput(
            _("Extend by 1 minute to 8 hours."), field="minutes"
        ),
    }
    return messages[error.code]()


def session_of(visit: Visit) -> flow.Visit:
    """The flow's view of a stored visit (with the steps fired in its current round)."""
    fired = tuple(
        flow.Fired(e.round, Step(e.step), e.fired_at, e.due_at)
        for e in visit.escalations.filter(round=visit.round).exclude(step=ALARM).order_by("step")
    )
    return flow.Visit(
        worker=visit.worker_id,
        rope_holder=visit.rope_holder_id,
        started_at=visit.started_at,
        expected_end=visit.expected_end,
        chain=tuple(timedelta(seconds=s) for s in visit.chain_seconds),
        state=State(visit.state),
        round=visit.round,
        fired=fired,
        alarm_at=visit.alarm_at,
        last_check_in=visit.last_check_in,
        ended_at=visit.ended_at,
    )


def _save(row: Visit, visit: flow.Visit) -> None:
    row.rope_holder_id = visit.rope_holder
    row.state, row.expected_end, row.round = visit.state, visit.expected_end, visit.round
    row.alarm_at, row.last_check_in, row.ended_at = (
        visit.alarm_at,
        visit.last_check_in,
        visit.ended_at,
    )
    row.save()


def _open_chain(row: Visit) -> None:
    """A round of the chain from the visit's expected end (the last round is cancelled)."""
    engine.open_chain(ladder=CHAIN, subject_id=row.pk, round=row.round, start_at=row.expected_end)


def _ask_in_turn(row: Visit, now: datetime) -> None:
    """The rope holder just asked has ROPE_WAIT to accept before the next one is asked."""
    asked_before = Chain.objects.filter(ladder=ROPE, subject_id=row.pk).count()
    engine.open_chain(ladder=ROPE, subject_id=row.pk, round=asked_before + 1, start_at=now)


def _ids(*maybe: int | None) -> set[int]:
    """The ids given, without the Nones (nobody on duty, no rope holder yet)."""
    return {i for i in maybe if i is not None}


def _everyone_concerned(row: Visit) -> set[int]:
    return {row.worker_id, *([row.rope_holder_id] if row.rope_holder_id else [])}


def _tell(row: Visit, user_ids: set[int], event: str) -> None:
    """After commit: a `visit` event (ids and times only, never the location) to sockets.

    The team's leads are told too: their "Who's out now" board shows every open visit.
    """
    frame = VisitChanged(
        audience=Audience.of(row.team_id, set(user_ids) | _team_leads(row.team_id)),
        event=event,
        visit=row.pk,
        worker=row.worker_id,
        state=row.state,
        expected_end=row.expected_end.isoformat(),
        alarm=row.alarm_at is not None,
    )
    publish_on_commit(frame)


def topic_of(escalation: Escalation) -> str:
    """The notify topic an escalation's pushes and e-mails are recorded under."""
    if escalation.step == ALARM:
        return f"visit:{escalation.visit_id}:alarm"
    return f"visit:{escalation.visit_id}:{escalation.round}:{escalation.step}"


def _ask_rope_holder(row: Visit, holder_id: int) -> None:
    """Push (or e-mail) whoever is asked to hold the rope, so they need not open Visits."""
    asked = int(row.rope_asked_at.timestamp()) if row.rope_asked_at else 0
    _alert(row, f"visit:{row.pk}:rope:{holder_id}:{asked}", "visit_rope_asked", {holder_id})


def _alert(row: Visit, topic: str, kind: str, user_ids: set[int]) -> None:
    """Push (or e-mail) those told, in this transaction; never where the visit is."""
    alert_later(
        topic=topic, kind=kind, about_id=row.worker_id, user_ids=user_ids, path=f"/visits/{row.pk}/"
    )


def _duty_lead(team: Team, now: datetime) -> int | None:
    lead = people.duty_lead_at(team, now)
    if lead is not None:
        return lead.pk
    return (
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True)
        .values_list("user_id", flat=True)
        .first()
    )


def _team_leads(team_id: int) -> set[int]:
    return set(
        Membership.objects.filter(
            team_id=team_id, role=Role.LEAD, removed_at__isnull=True
        ).values_list("user_id", flat=True)
    )


def _locked(visit_id: int) -> tuple[Visit, flow.Visit]:
    row = Visit.objects.select_for_update().get(pk=visit_id)
    return row, session_of(row)


def _email_out_of_hours(row: Visit, alert: Escalation, kind: str = "visit_overdue") -> bool:
    """E-mail the organisation's out-of-hours address (after commit): who is overdue and the
    "I'm on it" link of this alert, never where; whether there is an address to e-mail."""
    organisation = row.team.organisation
    with translation.override(settings.LANGUAGE_CODE):
        why = _(
            "You get this e-mail as the out-of-hours contact of %(organisation)s: nobody in "
            "the team has said they are on it yet. Open the link and press Confirm to tell "
            "them you are; it works once, for %(hours)s hours. Until someone is on it you are "
            "e-mailed again every %(n)s minutes."
        ) % {
            "organisation": organisation.name,
            "hours": int(links.LINK_VALID.total_seconds() // 3600),
            "n": _minutes(repeat_every()),
        }
    alert_address_later(
        kind=kind,
        about_id=row.worker_id,
        to=organisation.out_of_hours_email,
        path=links.path_for(alert),
        why=why,
    )
    return bool(organisation.out_of_hours_email)


def _minutes(delta: timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))
