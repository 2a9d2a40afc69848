"""The only writers of conversations, messages and receipts.

A message is committed, with the next seq of its conversation, before anyone is told; a
retry with the same (sender, client_id) returns the message already stored.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.conversations.flow import MAX_BODY, Kind, next_receipt
from ropeteam.conversations.live.messaging import tell_stored
from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.conversations.signals import messages_stored
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.core.text import text_refusal
from ropeteam.people.access import active_members, current_membership, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.realtime.events import dump

MAX_MEMBERS = 50


def start_conversation(
    *, actor: User, team: Team, member_ids: list[int]
) -> tuple[Conversation, bool]:
    """Start talking with colleagues (two people share one direct conversation).

    Returns the conversation and whether it is new.
    """
    require(actor, team, Permission.VIEW_TEAM)
    ids = set(member_ids) - {actor.pk}
    if not ids:
        raise InvalidInput(_("Choose at least one colleague."), field="member_ids")
    if len(ids) > MAX_MEMBERS:
        raise InvalidInput(
            _("At most %(n)d people in one conversation.") % {"n": MAX_MEMBERS},
            field="member_ids",
        )
    current = active_members(team.pk, ids | {actor.pk})
    if actor.pk not in current or not ids <= current:
        raise InvalidInput(_("Everyone in a conversation must be in the team."), field="member_ids")
    kind = Kind.DIRECT if len(ids) == 1 else Kind.GROUP
    with transaction.atomic():
        if kind == Kind.DIRECT:
            # Lock the team so two people starting the same pair at once get one conversation.
            Team.objects.select_for_update().filter(pk=team.pk).first()
            existing = _direct_between(team, actor.pk, next(iter(ids)))
            if existing is not None:
                return existing, False
        now = timezone.now()
        conversation = Conversation.objects.create(
            team=team, kind=kind, created_by=actor, created_at=now
        )
        Participant.objects.bulk_create(
            Participant(conversation=conversation, user_id=i, joined_at=now)
            for i in sorted(ids | {actor.pk})
        )
        record(
            actor=actor,
            action="conversation.started",
            target=conversation,
            team_id=team.pk,
            data={"participants": sorted(ids | {actor.pk})},
        )
    return conversation, True


def start_group(*, team: Team, member_ids: list[int], created_by: User) -> Conversation:
    """A new conversation for something shared (a Thinking Together), never reused.

    The caller has checked that everyone is in the team; this runs in its transaction.
    """
    now = timezone.now()
    conversation = Conversation.objects.create(
        team=team, kind=Kind.GROUP, created_by=created_by, created_at=now
    )
    Participant.objects.bulk_create(
        Participant(conversation=conversation, user_id=i, joined_at=now)
        for i in sorted(set(member_ids))
    )
    return conversation


def add_participant(*, conversation_id: int, user_id: int) -> None:
    """Someone joins a shared conversation (invited into a session); a no-op if already in."""
    if not Participant.objects.filter(conversation_id=conversation_id, user_id=user_id).exists():
        Participant.objects.create(
            conversation_id=conversation_id, user_id=user_id, joined_at=timezone.now()
        )


def _direct_between(team: Team, first: int, second: int) -> Conversation | None:
    return (
        Conversation.objects.filter(team=team, kind=Kind.DIRECT, participants__user_id=first)
        .filter(participants__user_id=second)
        .first()
    )


@dataclass(frozen=True)
class Sent:
    message: Message
    is_new: bool


def send_message(
    *, actor: User, conversation: Conversation, client_id: UUID, body: str, urgent: bool = False
) -> Sent:
    """Store a message with the conversation's next seq; a retry returns the stored one.

    An urgent message that stays unread escalates (notify's `conversations.urgent` ladder);
    a retry keeps the message as first stored, urgent or not.
    """
    refusal = text_refusal(body)
    if refusal is not None:
        raise InvalidInput(refusal, field="body")
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write something to send."), field="body")
    if len(body) > MAX_BODY:
        raise InvalidInput(
            _("A message can be at most %(n)d characters.") % {"n": MAX_BODY}, field="body"
        )
    # The same door as access_conversation: a participant still in the conversation's team.
    is_participant = Participant.objects.filter(conversation=conversation, user=actor).exists()
    if not is_participant or current_membership(actor, conversation.team_id) is None:
        raise NotFound(_("No such conversation."))
    try:
        return _store(
            actor=actor, conversation=conversation, client_id=client_id, body=body, urgent=urgent
        )
    except IntegrityError:
        if not Message.objects.filter(sender=actor, client_id=client_id).exists():
            raise  # not the client_id: a broken invariant must not pass for a client error
        # The same client_id raced into another conversation at the same moment.
        raise Conflict(
            _("This client_id was already used for another conversation."), field="client_id"
        ) from None


def _store(
    *, actor: User, conversation: Conversation, client_id: UUID, body: str, urgent: bool
) -> Sent:
    with transaction.atomic():
        # The conversation row is the lock that makes seq gap-free under concurrent senders
        # (SQLite's IMMEDIATE transactions serialise writers already).
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        earlier = Message.objects.filter(sender=actor, client_id=client_id).first()
        if earlier is not None:
            if earlier.conversation_id != conversation.pk:
                raise Conflict(
                    _("This client_id was already used for another conversation."),
                    field="client_id",
                )
            return Sent(message=earlier, is_new=False)
        seq = locked.last_seq + 1
        message = Message.objects.create(
            conversation=locked,
            seq=seq,
            sender=actor,
            client_id=client_id,
            body=body,
            sent_at=timezone.now(),
            urgent=urgent,
        )
        messages_stored.send(
            sender=Message,
            messages=[(locked.pk, seq, actor.pk)],
            urgent=[(locked.pk, seq)] if urgent else [],
        )
        Conversation.objects.filter(pk=locked.pk).update(last_seq=seq)
        # The sender has, by definition, received and read their own message.
        Participant.objects.filter(conversation=locked, user=actor).update(
            last_delivered_seq=seq, last_read_seq=seq
        )
    conversation.last_seq = seq
    transaction.on_commit(lambda: tell_stored(locked.pk, seq=seq))
    return Sent(message=message, is_new=True)


def mark_receipt(
    *,
    actor: User,
    participant: Participant,
    delivered: int | None = None,
    read: int | None = None,
) -> Participant:
    """Move my delivered and read marks forward (never back, never past the last message)."""
    with transaction.atomic():
        current = (
            Participant.objects.select_for_update()
            .select_related("conversation")
            .get(pk=participant.pk)
        )
        last_seq = current.conversation.last_seq
        if read is not None:
            current.last_read_seq = next_receipt(current.last_read_seq, read, last_seq)
            delivered = max(delivered or 0, current.last_read_seq)
        if delivered is not None:
            current.last_delivered_seq = next_receipt(
                current.last_delivered_seq, delivered, last_seq
            )
        current.save(update_fields=["last_delivered_seq", "last_read_seq"])
        frame = dump(
            {
                "type": "receipt",
                "conversation": current.conversation_id,
                "user": current.user_id,
                "delivered": current.last_delivered_seq,
                "read": current.last_read_seq,
            }
        )
        transaction.on_commit(lambda: tell_stored(current.conversation_id, receipt=frame))
    return current
