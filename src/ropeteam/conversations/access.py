"""The only door to conversations: anyone not in one gets a 404 that says nothing more."""

from django.utils.translation import gettext as _

from ropeteam.conversations.models import Conversation, Participant
from ropeteam.core.errors import NotFound
from ropeteam.people.access import AnyUser, current_membership


def access_conversation(user: AnyUser, conversation_id: int) -> tuple[Conversation, Participant]:
    """A conversation the person takes part in, while they are still in its team."""
    if not user.is_authenticated:
        raise NotFound(_("No such conversation."))
    participant = (
        Participant.objects.select_related("conversation", "conversation__team")
        .filter(conversation_id=conversation_id, user_id=user.pk)
        .first()
    )
    if participant is None or current_membership(user, participant.conversation.team_id) is None:
        raise NotFound(_("No such conversation."))
    return participant.conversation, participant
