"""The demo's concerns: eight weeks of graded assertiveness, every one of them closed.

Northside has enough for its lead's figures to show (and to show what they hide); Riverside
has two, too few for figures, as a small team would. Each concern is played through the
actions people use, then moved back to when it happened. Nothing is left waiting: not on
anyone's home screen, not on the escalation engine, not in the task queue, not in the servers'
event outbox.
"""

import json
import random
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from ropeteam.cases.models import Case
from ropeteam.concerns import actions
from ropeteam.concerns.flow import LADDER
from ropeteam.concerns.models import Concern, Entry
from ropeteam.conversations.models import Conversation, Participant
from ropeteam.demo.concern_stories import STORIES, Step, Story
from ropeteam.escalation import engine
from ropeteam.notify.tasks import alert
from ropeteam.people.models import Team, User
from ropeteam.realtime.models import LiveEvent


def load_concerns(*, teams: dict[str, Team], users: dict[str, User], rng: random.Random) -> None:
    """Play every story through the actions and date it; leave nothing to fire later."""
    now = timezone.localtime()
    played = []
    for story in STORIES:
        day = now - timedelta(days=story.days_ago)
        day -= timedelta(days=max(0, day.weekday() - 4))  # raised on a weekday
        raised_at = day.replace(
            hour=rng.randint(9, 15), minute=rng.randrange(0, 60, 5), second=0, microsecond=0
        )
        played.append(_play(story, teams[story.team], users, raised_at))
    ids = {concern.pk for concern in played}
    _end_chains(ids)
    _forget_alerts(ids)
    # Registered after every action's own: runs once their events are in the outbox.
    transaction.on_commit(partial(_forget_events, ids))


def _play(story: Story, team: Team, users: dict[str, User], raised_at: datetime) -> Concern:
    raiser, colleague = users[story.raiser], users[story.colleague]
    case_id = Case.objects.get(team=team, reference=story.case).pk if story.case else None
    concern = actions.raise_concern(
        actor=raiser,
        team=team,
        colleague_id=colleague.pk,
        level=story.level,
        statement=story.said,
        case_id=case_id,
    )
    _date(concern, raised_at)
    for step in story.steps:
        concern = _take(step, concern, raiser=raiser, colleague=colleague)
        _date(concern, raised_at + timedelta(hours=step.hours))
    _settle(concern)
    return concern


def _take(step: Step, concern: Concern, *, raiser: User, colleague: User) -> Concern:
    if step.kind == "answered":
        return actions.respond(
            actor=colleague, concern=concern, response=step.choice, text=step.text
        )
    if step.kind == "ended":
        return actions.resolve(
            actor=raiser, concern=concern, resolution=step.choice, text=step.text
        )
    if step.kind == "not_answered":
        # The chain's step as the worker fires it once its time has come (the demo's own
        # clock is the dates it writes afterwards, not the engine's).
        actions.unanswered_now(
            concern_id=concern.pk, round_=concern.round, position=0, at=timezone.now()
        )
        return Concern.objects.get(pk=concern.pk)
    assert step.said is not None  # noqa: S101  stepped_up and challenged always say something
    again = actions.step_up if step.kind == "stepped_up" else actions.challenge_again
    return again(actor=raiser, concern=concern, statement=step.said)


def _date(concern: Concern, at: datetime) -> None:
    """What the last action wrote happened at `at`; earlier steps are dated and earlier."""
    concern.entries.filter(at__gt=at).update(at=at)


def _settle(concern: Concern) -> None:
    """The concern's own times, and its conversation's, from its dated exchange."""
    first: dict[str, datetime] = {}
    for kind, at in concern.entries.order_by("at", "id").values_list("kind", "at"):
        first.setdefault(kind, at)
    raised_at = first[Entry.Kind.RAISED]
    Concern.objects.filter(pk=concern.pk).update(
        created_at=raised_at,
        first_response_at=first.get(Entry.Kind.RESPONDED),
        escalated_at=first.get(Entry.Kind.ESCALATED),
        resolved_at=first.get(Entry.Kind.RESOLVED),
    )
    Conversation.objects.filter(pk=concern.conversation_id).update(created_at=raised_at)
    members = Participant.objects.filter(conversation_id=concern.conversation_id)
    members.update(joined_at=raised_at)
    if Entry.Kind.ESCALATED in first:
        members.filter(user_id=concern.escalate_to_id).update(joined_at=first[Entry.Kind.ESCALATED])


def _end_chains(concern_ids: set[int]) -> None:
    """No chain of theirs waits: the worker would otherwise re-send or escalate concerns that
    closed weeks ago (resolving ends a chain already; this says so for every one of them)."""
    for concern_id in sorted(concern_ids):
        engine.cancel(ladder=LADDER, subject_id=concern_id)


def _forget_alerts(concern_ids: set[int]) -> None:
    """Drop the alerts the actions enqueued, before anything can send them: they would reach
    anyone who turns on notifications before the worker gets to them."""
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=alert.module_path
    )
    ours = [
        pk
        for pk, arguments in waiting.values_list("pk", "args_kwargs")
        if any(str(arguments["args"][0]).startswith(f"concern:{c}:") for c in concern_ids)
    ]
    DBTaskResult.objects.filter(pk__in=ours).delete()


def _forget_events(concern_ids: set[int]) -> None:
    """Drop the events the actions left for the servers (this process has no sockets).

    A server re-reads the newest events when it starts, and would otherwise tell the first
    people to connect about concerns that closed weeks ago.
    """
    ours = [
        pk
        for pk, payload in LiveEvent.objects.filter(kind="live.event").values_list("pk", "payload")
        if _concern_of(payload) in concern_ids
    ]
    LiveEvent.objects.filter(pk__in=ours).delete()


def _concern_of(payload: dict[str, object]) -> object:
    frame = json.loads(str(payload.get("frame", "{}")))
    return frame.get("concern") if frame.get("type") == "concern" else None
