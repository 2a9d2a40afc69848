"""The only writers of concerns: raising, responding, stepping up, re-sending, escalating,
resolving.

Each action locks the concern row, asks `flow` whether the change is allowed, writes it with
an audit entry in one transaction, and tells only the people who may see the concern: the
raiser and the colleague, and whoever it went to once escalated. Nobody else learns it
exists: events carry ids and states, alerts say only that there is something to look at.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.access import access_case
from ropeteam.concerns import flow
from ropeteam.concerns.access import ABOVE_TEAM, is_above
from ropeteam.concerns.events import ConcernChanged
from ropeteam.concerns.flow import LADDER, Level, Refused, Resolution, Response, State
from ropeteam.concerns.models import Concern, Direction, Entry, Times
from ropeteam.conversations import actions as conversations
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound, parse_choice
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState, repeat_at
from ropeteam.escalation.models import Chain
from ropeteam.notify.tasks import alert_later
from ropeteam.people.access import (
    active_membership,
    current_membership,
    is_active_member,
    require,
)
from ropeteam.people.flow import Grade, Permission, Role
from ropeteam.people.models import Membership, OrganisationAdmin, Team, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit
from ropeteam.thinking import actions as thinking
from ropeteam.thinking.flow import Task

MAX_PART = 1000  # each part of a concern: a few sentences
MAX_REPLY = 2000
# LADDER (concerns.flow) is the escalation ladder of a concern waiting for its colleague
# (registered by concerns.tasks): a round per raise, step up or new challenge; re-sent after
# the level's time, escalated after it again, then whoever it went to is alerted again every
# such time until someone answers.

# How long the colleague has to answer at each level before it is re-sent, then escalated.
DEFAULT_TIMES: dict[Level, timedelta] = {
    Level.PROBE: timedelta(hours=24),
    Level.ALERT: timedelta(hours=4),
    Level.CHALLENGE: timedelta(hours=1),
    Level.ESCALATE: timedelta(hours=1),
}


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


# --- settings --------------------------------------------------------------------------------


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


def next_up_id(team: Team) -> int | None:
    own = Times.objects.filter(team=team).first()
    return own.next_up_id if own is not None else None


def next_up_choices(team: Team) -> list[User]:
    """Who may be the next person up: the organisation's admins and its teams' members
    graded team lead or above, outside this team's own leads."""
    ids = set(
        OrganisationAdmin.objects.filter(organisation_id=team.organisation_id).values_list(
            "user_id", flat=True
        )
    ) | set(
        Membership.objects.filter(
            team__organisation_id=team.organisation_id,
            removed_at__isnull=True,
            grade__in=ABOVE_TEAM,
        )
        .exclude(team=team)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk"))


def escalation_target(team: Team, raiser_id: int, colleague_id: int) -> int | None:
    """The team lead; when the lead is one of the two, the next person up (configured), then
    an organisation admin. Seniority never blocks a concern."""
    involved = {raiser_id, colleague_id}
    leads = Membership.objects.filter(
        team=team, role=Role.LEAD, removed_at__isnull=True, user__is_active=True
    ).order_by("joined_at", "pk")
    for user_id in leads.values_list("user_id", flat=True):
        if user_id not in involved:
            return user_id
    own = Times.objects.filter(team=team).select_related("next_up").first()
    up = own.next_up if own is not None else None
    if up is not None and up.is_active and up.pk not in involved and is_above(up, team):
        return up.pk
    admins = OrganisationAdmin.objects.filter(
        organisation_id=team.organisation_id, user__is_active=True
    ).order_by("pk")
    for user_id in admins.values_list("user_id", flat=True):
        if user_id not in involved:
            return user_id
    return None


def _direction(raiser: Membership, colleague: Membership) -> Direction:
    up, down = Grade(colleague.grade).rank, Grade(raiser.grade).rank
    if up > down:
        return Direction.UPWARD
    if up < down:
        return Direction.DOWNWARD
    return Direction.LEVEL


# --- what is said ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """The structure of a concern: what I noticed, why it matters to me, what I suggest,
    what I am asking of you."""

    noticed: str = ""
    matters: str = ""
    suggest: str = ""
    asking: str = ""

    def cleaned(self, *, first: bool) -> "Statement":
        parts = Statement(
            self.noticed.strip(), self.matters.strip(), self.suggest.strip(), self.asking.strip()
        )
        for field in ("noticed", "matters", "suggest", "asking"):
            if len(getattr(parts, field)) > MAX_PART:
                raise InvalidInput(
                    _("Keep each part to a few sentences (at most %(n)d characters).")
                    % {"n": MAX_PART},
                    field=field,
                )
        if first and not parts.noticed:
            raise InvalidInput(_("Say what you noticed."), field="noticed")
        if first and not parts.asking:
            raise InvalidInput(_("Say what you are asking of your colleague."), field="asking")
        if not first and not any((parts.noticed, parts.matters, parts.suggest, parts.asking)):
            raise InvalidInput(
                _("Say what has changed, or what you are asking now."), field="noticed"
            )
        return parts


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


# --- actions ---------------------------------------------------------------------------------


def raise_concern(
    *,
    actor: User,
    team: Team,
    colleague_id: int,
    level: str,
    statement: Statement,
    case_id: int | None = None,
) -> Concern:
    """Raise a concern with a colleague, at any level; they are told at once."""
    require(actor, team, Permission.VIEW_TEAM)
    level_value = _level(level)
    statement = statement.cleaned(first=True)
    mine = current_membership(actor, team.pk)
    theirs = active_membership(colleague_id, team.pk)
    if mine is None or theirs is None:
        raise NotFound(_("No such colleague in this team."), field="colleague_id")
    case = None
    if case_id is not None:
        case = access_case(actor, case_id)
        if case.team_id != team.pk:
            raise NotFound(_("No such case."), field="case_id")
    target = escalation_target(team, actor.pk, colleague_id)
    if target is None:
        raise _refused(Refused("escalation_target"))
    try:
        after = flow.raise_concern(
            raiser=actor.pk, colleague=colleague_id, escalate_to=target, level=level_value
        )
    except Refused as error:
        raise _refused(error) from None
    with transaction.atomic():
        row = Concern.objects.create(
            team=team,
            raiser=actor,
            colleague_id=colleague_id,
            escalate_to_id=target,
            direction=_direction(mine, theirs),
            case=case,
            created_at=timezone.now(),
            level=level_value,
            conversation=conversations.start_group(
                team=team, member_ids=[actor.pk, colleague_id], created_by=actor
            ),
        )
        _entry(row, Entry.Kind.RAISED, actor, statement)
        record(
            actor=actor,
            action="concerns.raised",
            target=row,
            team_id=team.pk,
            data={"level": level_value.name.lower(), "case": case.pk if case else None},
        )
        _alert(row, "concern_raised", {colleague_id}, actor.pk)
        _store(row, flow.Concern(actor.pk, colleague_id, target, level_value), after)
        _schedule(row)
        _tell(row, "raised")
    return row


def _level(value: str) -> Level:
    found = {level.name.lower(): level for level in Level}.get(str(value).lower())
    if found is None:
        raise InvalidInput(_("Choose a level: probe, alert, challenge or escalate."), field="level")
    return found


def respond(*, actor: User, concern: Concern, response: str, text: str = "") -> Concern:
    """The colleague answers: acknowledges with a reply, accepts a Thinking Together (made
    at once and linked), or explains how they see it differently."""
    answer = parse_choice(Response, response, field="response", label=_("response"))
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_REPLY}, field="text"
        )
    if answer != Response.THINK_TOGETHER and not text:
        raise InvalidInput(_("Write a reply for your colleague."), field="text")
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.respond(before, by=actor.pk, response=answer)
        except Refused as error:
            raise _refused(error) from None
        now = timezone.now()
        if answer == Response.THINK_TOGETHER:
            if row.consultation_id is not None:
                raise Conflict(_("A Thinking Together about this concern has already started."))
            row.consultation = thinking.begin_together(
                team=row.team,
                seeker_id=row.raiser_id,
                helper_id=actor.pk,
                task=Task.UNDERSTANDING,
                case_id=row.case_id,
            )
        _store(row, before, after)
        row.first_response_at = row.first_response_at or now
        row.due_at = None
        row.save()
        # An answer from a human: the chain stops, and says who answered.
        engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor)
        _entry(row, Entry.Kind.RESPONDED, actor, response=answer.value, text=text)
        record(
            actor=actor,
            action="concerns.responded",
            target=row,
            team_id=row.team_id,
            data={"response": answer.value},
        )
        _tell(row, "responded")
    return row


def step_up(*, actor: User, concern: Concern, statement: Statement) -> Concern:
    """The raiser is not satisfied: the next level, with what is said now, keeping the rest."""
    statement = statement.cleaned(first=False)
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.step_up(before, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        return _again(
            row,
            before=before,
            after=after,
            actor=actor,
            statement=statement,
            kind=Entry.Kind.STEPPED_UP,
        )


def challenge_again(*, actor: User, concern: Concern, statement: Statement) -> Concern:
    """At Challenge, challenge once more: the second challenge takes it to the lead."""
    statement = statement.cleaned(first=False)
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.challenge_again(before, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        return _again(
            row,
            before=before,
            after=after,
            actor=actor,
            statement=statement,
            kind=Entry.Kind.CHALLENGED,
        )


def _again(
    row: Concern,
    *,
    before: flow.Concern,
    after: flow.Concern,
    actor: User,
    statement: Statement,
    kind: str,
) -> Concern:
    """A new round: the colleague is asked to respond again, with a new deadline."""
    row.round, row.level = row.round + 1, after.level
    _entry(row, kind, actor, statement)  # what was said, then what it led to
    _store(row, before, after)
    _schedule(row)
    record(
        actor=actor,
        action=f"concerns.{kind}",
        target=row,
        team_id=row.team_id,
        data={"level": after.level.name.lower()},
    )
    _alert(row, "concern_raised", {row.colleague_id}, actor.pk)
    _tell(row, kind)
    return row


def unanswered_now(*, concern_id: int, round_: int, position: int, at: datetime) -> str:
    """A step of its chain came due without a response (the escalation engine fires each
    once and in order, `at` its clock): re-send it, then escalate it, then alert whoever it
    went to again, at every step until someone answers.

    Returns what happened ("resent", "escalated", "reminded", or "" when it no longer waits
    in this round: its chain ends with the answer, so only a step that raced it finds that).
    """
    with transaction.atomic():
        row = (
            Concern.objects.select_for_update().select_related("team").filter(pk=concern_id).first()
        )
        if row is None or row.round != round_ or row.state != State.RAISED:
            return ""
        before = concern_of(row)
        after, happened = flow.unanswered(before)
        _store(row, before, after, at=at)
        if happened == "resent":
            _entry(row, Entry.Kind.RESENT, None)
            record(actor=None, action="concerns.resent", target=row, team_id=row.team_id)
            _alert(row, "concern_resent", {row.colleague_id}, row.raiser_id)
            row.due_at = _next_repeat(row, at)
        else:
            # Escalated now (by `_store`), or already: then whoever it went to is alerted again.
            row.due_at = None
            if not happened:
                happened = "reminded"
                _remind(row, position)
        row.save()
        _tell(row, happened)
    return happened


def _next_repeat(row: Concern, at: datetime) -> datetime | None:
    """When the step firing now comes again (the engine adds it once the handler returns)."""
    repeat = (
        Chain.objects.filter(ladder=LADDER, subject_id=row.pk, state=ChainState.OPEN)
        .values_list("repeat_seconds", flat=True)
        .first()
    )
    return repeat_at(timedelta(seconds=repeat), at) if repeat is not None else None


def _remind(row: Concern, position: int) -> None:
    """Escalated and still unanswered: whoever it went to is alerted again (no chain ends in
    silence), and the two are told on their page."""
    record(
        actor=None,
        action="concerns.reminded",
        target=row,
        team_id=row.team_id,
        data={"to": row.escalate_to_id, "step": position},
    )
    _alert(row, "concern_escalated", {row.escalate_to_id}, row.raiser_id, again=position)


def take_on(*, actor: User, concern: Concern) -> Concern:
    """Whoever it was escalated to says "I'm on it": the reminders stop, the two are told."""
    with transaction.atomic():
        row, _before = _locked(concern)
        if row.escalated_at is None or actor.pk != row.escalate_to_id:
            raise Forbidden(_("Only the person it was escalated to can say they are on it."))
        if row.state == State.RESOLVED:
            raise _refused(Refused("resolved"))
        if not engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor):
            latest = Chain.objects.filter(ladder=LADDER, subject_id=row.pk).order_by("-pk").first()
            if latest is not None and latest.acknowledged_by_id == actor.pk:
                return row  # a second press of the same button
            raise Conflict(_("Nothing about this concern is waiting for you now."))
        row.due_at = None
        row.save(update_fields=["due_at"])
        record(actor=actor, action="concerns.taken_on", target=row, team_id=row.team_id)
        _tell(row, "taken_on")
    return row


def resolve(*, actor: User, concern: Concern, resolution: str, text: str = "") -> Concern:
    """The raiser records how it ended: resolved, resolved with a change, or not resolved
    and escalated (which takes it to the lead if it had not gone already)."""
    outcome = parse_choice(Resolution, resolution, field="resolution", label=_("resolution"))
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_REPLY}, field="text"
        )
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.resolve(before, by=actor.pk, resolution=outcome)
        except Refused as error:
            raise _refused(error) from None
        _store(row, before, after)
        row.resolved_at, row.due_at = timezone.now(), None
        row.save()
        engine.cancel(ladder=LADDER, subject_id=row.pk)  # nothing waits on anyone now
        _entry(row, Entry.Kind.RESOLVED, actor, resolution=outcome.value, text=text)
        record(
            actor=actor,
            action="concerns.resolved",
            target=row,
            team_id=row.team_id,
            data={"resolution": outcome.value},
        )
        _tell(row, "resolved")
    return row
