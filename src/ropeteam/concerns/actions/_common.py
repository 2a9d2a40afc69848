"""What the concern actions share: refusals, the lock, telling, storing, escalating."""

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.concerns import flow
from ropeteam.concerns.actions.routing import escalation_target
from ropeteam.concerns.actions.statement import Statement
from ropeteam.concerns.events import ConcernChanged
from ropeteam.concerns.flow import LADDER, Level, Refused, Resolution, Response, State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput
from ropeteam.escalation import engine
from ropeteam.notify.tasks import alert_later
from ropeteam.people.access import is_active_member
from ropeteam.people.models import Membership, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit

MAX_REPLY = 2000


def _refused(error: Refused) -> Exception:
    """A flow refusal as the error a person can act on."""
    messages: dict[str, Callable[[], Exception]] = {
        "own_concern": lambda: InvalidInput(
            _("Choose the colleague you want to raise this with."), field="colleague_id"
        ),
        "escalation_target": lambda: Conflict(
            _(
                "Nobody is set to receive this concern if it has to be escalated. "
                "Ask your team lead to set the next person up."
            )
        ),
        "resolved": lambda: Conflict(_("This concern has already been resolved.")),
        "not_colleague": lambda: Forbidden(_("Only the colleague it was raised with can respond.")),
        "not_raiser": lambda: Forbidden(_("Only the person who raised it can do that.")),
        "top_level": lambda: Conflict(_("This concern is already at Escalate.")),
        "not_at_challenge": lambda: Conflict(
            _("Challenge again once the concern is at Challenge."), field="level"
        ),
    }
    return messages[error.code]()


def concern_of(row: Concern) -> flow.Concern:
    """The flow's view of a stored concern."""
    return flow.Concern(
        raiser=row.raiser_id,
        colleague=row.colleague_id,
        escalate_to=row.escalate_to_id,
        level=Level(row.level),
        state=State(row.state),
        challenges=row.challenges,
        resent=row.resent,
        escalated=row.escalated_at is not None,
        responses=tuple(
            Response(r)
            for r in row.entries.filter(kind=Entry.Kind.RESPONDED).values_list(
                "response", flat=True
            )
        ),
        resolution=Resolution(row.resolution) if row.resolution else None,
    )


def _locked(concern: Concern) -> tuple[Concern, flow.Concern]:
    row = Concern.objects.select_for_update().select_related("team").get(pk=concern.pk)
    return row, concern_of(row)


def _tell(row: Concern, kind: str) -> None:
    """After commit: a `concern` event (ids and states only) to those who may see it.

    A socket hears events of the teams its person is in, so whoever it went to from above
    the team (the next person up) hears it through their own teams.
    """
    routes: dict[int, set[int]] = {row.team_id: {row.raiser_id, row.colleague_id}}
    if row.escalated_at is not None:
        theirs = set(
            Membership.objects.filter(
                user_id=row.escalate_to_id, removed_at__isnull=True
            ).values_list("team_id", flat=True)
        )
        for team_id in {row.team_id} if row.team_id in theirs else theirs:
            routes.setdefault(team_id, set()).add(row.escalate_to_id)
    for team_id, user_ids in routes.items():
        publish_on_commit(
            ConcernChanged(
                audience=Audience.of(team_id, user_ids),
                event=kind,
                concern=row.pk,
                state=row.state,
                level=Level(row.level).name.lower(),
                escalated=row.escalated_at is not None,
            )
        )


def _alert(
    row: Concern, kind: str, user_ids: set[int], about_id: int, *, again: int | None = None
) -> None:
    """Push (or e-mail) in this transaction, once per round and kind: never what it is about.

    `again` (the chain's step) makes a reminder a topic of its own, so it is sent again.
    """
    topic = f"concern:{row.pk}:{row.round}:{kind}"
    alert_later(
        topic=topic if again is None else f"{topic}:again:{again}",
        kind=kind,
        about_id=about_id,
        user_ids=user_ids,
        path=f"/concerns/{row.pk}/",
    )


def _entry(
    row: Concern, kind: str, by: User | None, statement: Statement | None = None, **more: str
) -> Entry:
    said = statement or Statement()
    return Entry.objects.create(
        concern=row,
        kind=kind,
        level=row.level,
        by=by,
        at=timezone.now(),
        noticed=said.noticed,
        matters=said.matters,
        suggest=said.suggest,
        asking=said.asking,
        **more,
    )


def _schedule(row: Concern) -> None:
    """Save the row, start this round's chain afresh and show when it next acts.

    Saved first: the ladder reads the level (and so the wait) from the row.
    """
    row.save()
    row.due_at = engine.open_chain(
        ladder=LADDER, subject_id=row.pk, round=row.round, start_at=timezone.now()
    )
    row.save(update_fields=["due_at"])


def _store(
    row: Concern, before: flow.Concern, after: flow.Concern, *, at: datetime | None = None
) -> None:
    """Write the flow's new state to the row; escalating when it has just escalated."""
    row.level, row.state = after.level, after.state
    row.challenges, row.resent = after.challenges, after.resent
    row.resolution = after.resolution.value if after.resolution else ""
    if after.escalated and not before.escalated:
        _escalate(row, at or timezone.now())


def _escalate(row: Concern, at: datetime) -> None:
    """It goes to the lead (or the next person up): they may see it from now on."""
    # Whoever that is now: the lead chosen when it was raised may have left the team since,
    # and would otherwise be shown it while the team's lead never was.
    row.escalate_to_id = (
        escalation_target(row.team, row.raiser_id, row.colleague_id) or row.escalate_to_id
    )
    # The engine's clock when a step escalates it: its page tells reminders after it apart.
    row.escalated_at = at
    if row.escalate_to_id is not None and is_active_member(row.escalate_to_id, row.team_id):
        conversations.add_participant(
            conversation_id=row.conversation_id, user_id=row.escalate_to_id
        )
    _entry(row, Entry.Kind.ESCALATED, None)
    record(
        actor=None,
        action="concerns.escalated",
        target=row,
        team_id=row.team_id,
        data={"to": row.escalate_to_id, "level": Level(row.level).name.lower()},
    )
    _alert(row, "concern_escalated", {row.escalate_to_id}, row.raiser_id)
