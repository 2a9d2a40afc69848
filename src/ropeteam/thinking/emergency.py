"""Emergency procedures chosen at step 4: the duty lead and the team lead are alerted at once,
on every channel, and again every few minutes until one of them says "I'm on it".

Before, choosing it wrote an audit entry and a socket event that no page showed: the people it
was for never knew. The repeats run on the escalation engine (ladder `thinking.emergency`), so
they survive restarts and stop the moment someone acknowledges.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import ChainState, Rule
from ropeteam.escalation.models import Chain
from ropeteam.notify.tasks import alert_later
from ropeteam.people import queries as people
from ropeteam.people.flow import Role
from ropeteam.people.models import Membership, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.thinking.events import ThinkingChanged
from ropeteam.thinking.models import Consultation

LADDER = "thinking.emergency"


def repeat_every() -> timedelta:
    return timedelta(seconds=settings.EMERGENCY_REPEAT_SECONDS)


def responders(row: Consultation, now: datetime) -> set[int]:
    """Who answers an emergency: the duty lead now and the team's leads (never the seeker,
    unless nobody else leads the team: then the emergency must still reach someone)."""
    ids = set(
        Membership.objects.filter(
            team_id=row.team_id, role=Role.LEAD, removed_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    duty = people.duty_lead_at(row.team, now)
    if duty is not None:
        ids.add(duty.pk)
    return (ids - {row.seeker_id}) or ids


def _tell(row: Consultation, ids: set[int], kind: str, *, position: int = 0) -> None:
    """A `thinking` event to these people's sockets, and for a (repeated) alert a push or
    e-mail too, each sent if and only if the surrounding transaction commits."""
    event = ThinkingChanged(
        audience=Audience.of(row.team_id, ids),
        event=kind,
        consultation=row.pk,
        state=row.state,
        step=row.step,
        helper=row.helper_id,
        seeker=row.seeker_id,
        urgency=row.urgency,
    )
    publish_on_commit(event)
    if kind == "emergency":
        alert_later(
            topic=f"thinking-emergency:{row.pk}:{position}",  # each repeat is sent again
            kind="thinking_emergency",
            about_id=row.seeker_id,
            user_ids=ids,
            path=f"/thinking/{row.pk}/",
        )


def declare(*, row: Consultation, actor: User, now: datetime) -> set[int]:
    """Alert the responders now and keep alerting until one acknowledges; whom it reached.

    Called in the outcome's transaction, with the consultation locked.
    """
    reached = responders(row, now)
    engine.open_chain(ladder=LADDER, subject_id=row.pk, round=0, start_at=now)
    record(
        actor=actor,
        action="thinking.emergency",
        target=row,
        team_id=row.team_id,
        data={"alerted": sorted(reached)},
    )
    _tell(row, reached, "emergency")
    return reached


def acknowledge(*, actor: User, consultation_id: int) -> Consultation:
    """ "I'm on it": the alerts stop, and the help-seeker and the other responders are told."""
    with transaction.atomic():
        row = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
        now = timezone.now()
        if row is None or actor.pk not in responders(row, now) | _acknowledged_by(row.pk):
            raise NotFound(_("No such emergency."))
        chain = Chain.objects.filter(ladder=LADDER, subject_id=row.pk).order_by("-pk").first()
        if chain is None:
            raise NotFound(_("No such emergency."))
        if chain.state == ChainState.ACKNOWLEDGED:
            if chain.acknowledged_by_id == actor.pk:
                return row  # a second press of the same button
            taker = chain.acknowledged_by
            raise Conflict(_("%(name)s is already on it.") % {"name": taker.name if taker else "—"})
        engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor)
        record(
            actor=actor, action="thinking.emergency_acknowledged", target=row, team_id=row.team_id
        )
        told = responders(row, now) | {row.seeker_id}
        if row.helper_id is not None:
            told.add(row.helper_id)
        _tell(row, told, "emergency_acknowledged")
    return row


def _acknowledged_by(consultation_id: int) -> set[int]:
    """Whoever took it stays able to see that they did, even off duty since."""
    return set(
        Chain.objects.filter(ladder=LADDER, subject_id=consultation_id)
        .exclude(acknowledged_by=None)
        .values_list("acknowledged_by_id", flat=True)
    )


class EmergencyLadder(Ladder):
    """The repeats: the first alert is the action's own; each step here is one more."""

    name = LADDER
    subject = Consultation

    def rule(self, subject_id: int) -> Rule:
        return Rule(delays=(repeat_every(),), repeat_every=repeat_every())

    def fire(self, step: FiredStep) -> None:
        row = Consultation.objects.get(pk=step.subject_id)
        _tell(row, responders(row, step.fired_at), "emergency", position=step.position + 1)


@dataclass(frozen=True)
class Emergency:
    """An emergency waiting for someone to take it, as a responder's page shows it."""

    consultation: Consultation
    declared_at: datetime


def waiting_for(user: User, now: datetime | None = None) -> list[Emergency]:
    """Emergencies nobody has taken yet that this person is asked to answer, oldest first.

    One query for everyone, on every page; more only while an emergency is open.
    """
    moment = now or timezone.now()
    chains = dict(
        Chain.objects.filter(ladder=LADDER, state=ChainState.OPEN).values_list(
            "subject_id", "opened_at"
        )
    )
    if not chains:
        return []
    rows = Consultation.objects.filter(pk__in=chains).select_related("seeker", "team")
    return sorted(
        (
            Emergency(consultation=row, declared_at=chains[row.pk])
            for row in rows
            if user.pk in responders(row, moment)
        ),
        key=lambda e: e.declared_at,
    )


def state_of(consultation_id: int) -> Chain | None:
    """The latest emergency declared in this Thinking Together, if any (for its page)."""
    return (
        Chain.objects.filter(ladder=LADDER, subject_id=consultation_id)
        .select_related("acknowledged_by")
        .order_by("-pk")
        .first()
    )
