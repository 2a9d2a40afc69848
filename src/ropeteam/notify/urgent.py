"""Unread urgent messages: notified again after the team's wait, then shown to the reader's
rope holders and the duty lead until one of them says "I'll check on them".

The ladder `conversations.urgent` runs on the escalation engine, one chain per urgent message
(the subject is the message), opened in the transaction that stores it (`open_chains`, from
notify's receiver of `messages_stored`). Step 0, after the team's wait: each participant still
in the team who has not read it is alerted again. Step 1, as long after, and its repeats: for
each reader who still has not read it, their rope holders and the duty lead (the team leads
when nobody is on duty) are told on screen, by push or e-mail, and on every page they open.

Every step looks at the read marks first: a reader whose read mark covers the message is
never mentioned again, and once nobody is left unread the chain is cancelled. Those told are
not in the conversation, so what they are shown holds names and a time, never its words, and
no way into it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.conversations.models import Message, Participant
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.escalation import engine
from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import Rule
from ropeteam.notify.events import UrgentUnread
from ropeteam.notify.models import UrgentCheck, UrgentWait
from ropeteam.notify.tasks import alert_later
from ropeteam.people import queries as people
from ropeteam.people.access import require
from ropeteam.people.flow import Permission, Role
from ropeteam.people.models import Membership, RopeHolder, Team, User
from ropeteam.realtime.events import Audience
from ropeteam.realtime.publish import publish_on_commit

LADDER = "conversations.urgent"
MAX_WAIT = timedelta(days=1)


# --- the team's wait ----------------------------------------------------------------------


def wait_for(team_id: int | None) -> timedelta:
    """How long an urgent message in this team may stay unread before each step."""
    seconds = None
    if team_id is not None:
        own = UrgentWait.objects.filter(team_id=team_id).values_list("wait_seconds", flat=True)
        seconds = own.first()
    return timedelta(seconds=seconds or settings.URGENT_AFTER_SECONDS)


def set_wait(*, actor: User, team: Team, wait: timedelta) -> UrgentWait:
    """The team lead sets how long an urgent message may stay unread before each step.

    Chains already open keep the times they were given.
    """
    require(actor, team, Permission.EDIT_SETTINGS)
    seconds = int(wait.total_seconds())
    if not 1 <= seconds <= MAX_WAIT.total_seconds():
        raise InvalidInput(_("Give a wait between one second and a day."), field="wait_seconds")
    with transaction.atomic():
        row, _new = UrgentWait.objects.update_or_create(
            team=team, defaults={"wait_seconds": seconds}
        )
        record(
            actor=actor,
            action="notify.urgent_wait_set",
            target=team,
            team_id=team.pk,
            data={"wait_seconds": seconds},
        )
    return row


# --- opening: in the transaction that stores the messages ---------------------------------


def open_chains(*, urgent: list[tuple[int, int]], now: datetime) -> None:
    """Start the ladder for each urgent message, given as (conversation id, seq)."""
    pairs = set(urgent)
    rows = Message.objects.filter(
        conversation_id__in={c for c, _seq in pairs}, seq__in={s for _c, s in pairs}
    ).values_list("pk", "conversation_id", "seq")
    for pk, conversation_id, seq in rows:
        if (conversation_id, seq) in pairs:
            engine.open_chain(ladder=LADDER, subject_id=pk, round=0, start_at=now)


# --- who ----------------------------------------------------------------------------------


def _in_the_team(team_id: int) -> Exists:
    return Exists(
        Membership.objects.filter(
            team_id=team_id, user_id=OuterRef("user_id"), removed_at__isnull=True
        )
    )


def unread_by(message: Message) -> set[int]:
    """Participants still in the team, with a working account, who have not read it."""
    return set(
        Participant.objects.filter(
            _in_the_team(message.conversation.team_id),
            conversation_id=message.conversation_id,
            last_read_seq__lt=message.seq,
            user__is_active=True,
        )
        .exclude(user_id=message.sender_id)
        .values_list("user_id", flat=True)
    )


def _current(team: Team, ids: set[int]) -> set[int]:
    return set(
        Membership.objects.filter(
            team=team, user_id__in=ids, removed_at__isnull=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def told_about(message: Message, reader_id: int, now: datetime) -> set[int]:
    """Who is told that this reader has not read it: their rope holders and the duty lead
    (the team leads when nobody is on duty); never the reader, and not the sender, who knows,
    unless nobody else is left: the chain must reach someone."""
    team = message.conversation.team
    ids = set(
        RopeHolder.objects.filter(team=team, worker_id=reader_id).values_list(
            "holder_id", flat=True
        )
    )
    duty = people.duty_lead_at(team, now)
    leads = set(
        Membership.objects.filter(team=team, role=Role.LEAD, removed_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    ids |= {duty.pk} if duty is not None else leads
    ids = _current(team, ids) - {reader_id}
    return (ids - {message.sender_id}) or ids or (_current(team, leads) - {reader_id})


# --- the ladder ---------------------------------------------------------------------------


class UrgentLadder(Ladder):
    """Step 0 alerts the readers again; step 1 and its repeats tell those who hold their rope."""

    name = LADDER
    subject = Message

    def rule(self, subject_id: int) -> Rule:
        team_id = (
            Message.objects.filter(pk=subject_id)
            .values_list("conversation__team_id", flat=True)
            .first()
        )
        wait = wait_for(team_id)
        return Rule(delays=(wait, wait), repeat_every=wait)

    def fire(self, step: FiredStep) -> None:
        message = (
            Message.objects.select_related("conversation__team", "sender")
            .filter(pk=step.subject_id)
            .first()
        )
        if message is None:  # its conversation was deleted: nothing left to read
            engine.cancel(ladder=LADDER, subject_id=step.subject_id)
            return
        unread = unread_by(message)
        _end_read(message, unread, step.fired_at)
        if not unread:
            engine.cancel(ladder=LADDER, subject_id=message.pk)
            return
        if step.position == 0:
            alert_later(
                topic=f"urgent:{message.pk}:0",
                kind="urgent_unread",
                about_id=message.sender_id,
                user_ids=unread,
                path=f"/conversations/{message.conversation_id}/",
            )
            return
        for reader_id in sorted(unread):
            _escalate(message, reader_id, step)


def _escalate(message: Message, reader_id: int, step: FiredStep) -> None:
    check, _new = UrgentCheck.objects.get_or_create(
        message=message, reader_id=reader_id, defaults={"escalated_at": step.fired_at}
    )
    if check.acknowledged_at is not None or check.ended_at is not None:
        return  # someone is checking on them already
    told = told_about(message, reader_id, step.fired_at)
    check.told = sorted(set(check.told) | told)
    check.save(update_fields=["told"])
    alert_later(
        topic=f"urgent-unread:{check.pk}:{step.position}",  # each repeat is sent again
        kind="urgent_escalated",
        about_id=reader_id,
        user_ids=told,
        path="/",  # where the banner is: never into a conversation they are not in
    )
    _tell(check, "unread", told)


def _end_read(message: Message, unread: set[int], now: datetime) -> None:
    """Readers who have read it since they were escalated (or left the team): their banners go."""
    for check in UrgentCheck.objects.filter(message=message, ended_at__isnull=True).exclude(
        reader_id__in=unread
    ):
        check.ended_at = now
        check.save(update_fields=["ended_at"])
        _tell(check, "read", set(check.told))


def _tell(check: UrgentCheck, event: str, user_ids: set[int]) -> None:
    """An `urgent` event to these people's sockets once the transaction commits: ids only."""
    team_id = Message.objects.filter(pk=check.message_id).values_list(
        "conversation__team_id", flat=True
    )[0]
    frame = UrgentUnread(
        audience=Audience.of(team_id, user_ids),
        event=event,
        check=check.pk,
        reader=check.reader_id,
        acknowledged_by=check.acknowledged_by_id,
    )
    publish_on_commit(frame)


# --- "I'll check on them" -----------------------------------------------------------------


def acknowledge(*, actor: User, check_id: int) -> UrgentCheck:
    """I'll check on them: the others told see that someone has it, and once every reader
    still unread is taken, the ladder stops."""
    found = UrgentCheck.objects.filter(pk=check_id).values_list("message_id", "told").first()
    if found is None or actor.pk not in found[1]:
        raise NotFound(_("No such urgent message."))
    with transaction.atomic():
        # The subject first, as the worker locks it (escalation/engine.py): no deadlock.
        message = (
            Message.objects.select_for_update().select_related("conversation").get(pk=found[0])
        )
        check = UrgentCheck.objects.select_for_update().select_related("reader").get(pk=check_id)
        if check.acknowledged_by_id is not None:
            if check.acknowledged_by_id == actor.pk:
                return check  # a second press of the same button
            taker = User.objects.get(pk=check.acknowledged_by_id)
            raise Conflict(
                _("%(name)s is already checking on %(reader)s.")
                % {"name": taker.name, "reader": check.reader.name}
            )
        check.acknowledged_by, check.acknowledged_at = actor, timezone.now()
        check.save(update_fields=["acknowledged_by", "acknowledged_at"])
        record(
            actor=actor,
            action="notify.urgent_acknowledged",
            target=check,
            team_id=message.conversation.team_id,
            data={"reader": check.reader_id},
        )
        _tell(check, "acknowledged", set(check.told))
        unread = unread_by(message)
        taken = set(
            UrgentCheck.objects.filter(
                message=message, reader_id__in=unread, acknowledged_at__isnull=False
            ).values_list("reader_id", flat=True)
        )
        if unread <= taken:
            engine.acknowledge(ladder=LADDER, subject_id=message.pk, by=actor)
    return check


# --- what a told person sees --------------------------------------------------------------


def waiting_for(user: User) -> list[UrgentCheck]:
    """Unread urgent messages this person was told about and nobody has taken, oldest first.

    One query for everyone, on every page; more only while one is open.
    """
    is_read = Exists(
        Participant.objects.filter(
            conversation_id=OuterRef("message__conversation_id"),
            user_id=OuterRef("reader_id"),
            last_read_seq__gte=OuterRef("message__seq"),
        )
    )
    rows = [
        row
        for row in UrgentCheck.objects.filter(acknowledged_at__isnull=True, ended_at__isnull=True)
        .annotate(is_read=is_read)
        .select_related("message__conversation", "message__sender", "reader")
        .order_by("message__sent_at", "pk")
        if user.pk in row.told and not row.is_read
    ]
    if not rows:
        return []
    teams = set(
        Membership.objects.filter(user=user, removed_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    return [row for row in rows if row.message.conversation.team_id in teams]


def access_check(user: User, check_id: int) -> UrgentCheck:
    """An escalated urgent message this person was told about (404 for anyone else)."""
    check = (
        UrgentCheck.objects.select_related("message", "message__sender", "reader")
        .filter(pk=check_id)
        .first()
    )
    if check is None or user.pk not in check.told:
        raise NotFound(_("No such urgent message."))
    return check
