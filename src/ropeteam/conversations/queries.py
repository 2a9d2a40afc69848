"""Reads of conversations, scoped to one participant."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ropeteam.conversations.models import Conversation, Message, Participant
from ropeteam.people.models import Membership, User


@dataclass(frozen=True)
class Overview:
    conversation: Conversation
    participants: list[Participant]
    unread: int
    # Participants no longer in the conversation's team: they cannot read what is written now.
    left: frozenset[int]


def _in_its_team() -> Exists:
    """For a Participant row: is its person still in the conversation's team?"""
    return Exists(
        Membership.objects.filter(
            team_id=OuterRef("conversation__team_id"),
            user_id=OuterRef("user_id"),
            removed_at__isnull=True,
        )
    )


def list_conversations(user: User) -> list[Overview]:
    """The person's conversations in their current teams, newest activity first."""
    # last_seq counts one conversation's messages, so it says nothing about which one is
    # newest; the newest message's time does (one index lookup on (conversation, seq)).
    newest = (
        Message.objects.filter(conversation=OuterRef("conversation"))
        .order_by("-seq")
        .values("sent_at")[:1]
    )
    mine = list(
        Participant.objects.filter(
            user=user,
            conversation__team__memberships__user=user,
            conversation__team__memberships__removed_at__isnull=True,
        )
        .select_related("conversation")
        .annotate(active_at=Coalesce(Subquery(newest), F("conversation__created_at")))
        .order_by("-active_at", "-conversation_id")
    )
    conversations = [p.conversation for p in mine]
    everyone: dict[int, list[Participant]] = {c.pk: [] for c in conversations}
    left: dict[int, set[int]] = {c.pk: set() for c in conversations}
    for participant in (
        Participant.objects.filter(conversation__in=conversations)
        .select_related("user")
        .annotate(in_team=_in_its_team())
        .order_by("user_id")
    ):
        everyone[participant.conversation_id].append(participant)
        if not participant.in_team:
            left[participant.conversation_id].add(participant.user_id)
    return [
        Overview(
            conversation=p.conversation,
            participants=everyone[p.conversation_id],
            unread=p.conversation.last_seq - p.last_read_seq,
            left=frozenset(left[p.conversation_id]),
        )
        for p in mine
    ]


def unread_count(user: User) -> int:
    """How many of the person's conversations, in teams they are still in, hold a message
    they have not read: the badge on every page's Messages link, so one cheap count."""
    return (
        Participant.objects.filter(
            user=user,
            conversation__last_seq__gt=F("last_read_seq"),
            conversation__team__memberships__user=user,
            conversation__team__memberships__removed_at__isnull=True,
        )
        .distinct()
        .count()
    )


def messages_after(conversation: Conversation, *, after: int, limit: int) -> QuerySet[Message]:
    """Messages with seq greater than `after`, oldest first: what a client missed."""
    return conversation.messages.filter(seq__gt=after).order_by("seq")[:limit]


def participants(conversation: Conversation) -> QuerySet[Participant]:
    return conversation.participants.select_related("user").order_by("user_id")


def left_the_team(conversation: Conversation) -> set[int]:
    """Participants who are no longer in the conversation's team (removed since)."""
    return set(
        conversation.participants.annotate(in_team=_in_its_team())
        .filter(in_team=False)
        .values_list("user_id", flat=True)
    )
