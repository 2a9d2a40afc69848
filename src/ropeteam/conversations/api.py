"""Conversations over HTTP, for clients that cannot hold a websocket."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from ropeteam.conversations import actions, queries
from ropeteam.conversations.access import access_conversation
from ropeteam.conversations.flow import Kind
from ropeteam.conversations.schemas import (
    AckOut,
    ConversationIn,
    ConversationOut,
    MessageIn,
    MessageOut,
    PageQuery,
    ParticipantOut,
    ReceiptIn,
)
from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.schemas import PathId

router = Router(tags=["conversations"])


def _out(overview: queries.Overview) -> ConversationOut:
    conversation = overview.conversation
    return ConversationOut(
        id=conversation.pk,
        team_id=conversation.team_id,
        kind=Kind(conversation.kind),
        last_seq=conversation.last_seq,
        unread=overview.unread,
        participants=[
            ParticipantOut.of(p, in_team=p.user_id not in overview.left)
            for p in overview.participants
        ],
    )


@router.get("/conversations", response=list[ConversationOut], summary="My conversations")
def list_conversations(request: HttpRequest) -> list[ConversationOut]:
    return [_out(o) for o in queries.list_conversations(actor(request))]


@router.post(
    "/conversations",
    response={200: ConversationOut, 201: ConversationOut},
    summary="Start a conversation (two people share one direct conversation)",
)
def start_conversation(request: HttpRequest, payload: ConversationIn) -> Status[ConversationOut]:
    user = actor(request)
    team = access_team(user, payload.team_id)
    conversation, is_new = actions.start_conversation(
        actor=user, team=team, member_ids=payload.member_ids
    )
    everyone = list(queries.participants(conversation))
    # An existing direct conversation may hold messages this person has not read yet.
    mine = next(p for p in everyone if p.user_id == user.pk)
    overview = queries.Overview(
        conversation,
        everyone,
        unread=conversation.last_seq - mine.last_read_seq,
        left=frozenset(queries.left_the_team(conversation)),
    )
    return Status(201 if is_new else 200, _out(overview))


@router.get(
    "/conversations/{conversation_id}/messages",
    response=list[MessageOut],
    summary="Messages after a seq, oldest first",
)
def list_messages(
    request: HttpRequest, conversation_id: PathId, page: Query[PageQuery]
) -> list[MessageOut]:
    conversation, _participant = access_conversation(actor(request), conversation_id)
    messages = queries.messages_after(conversation, after=page.after, limit=page.limit)
    return [MessageOut.of(m) for m in messages]


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: AckOut, 201: AckOut},
    summary="Send a message; a retry with the same client_id is acknowledged again",
)
def send_message(
    request: HttpRequest, conversation_id: PathId, payload: MessageIn
) -> Status[AckOut]:
    user = actor(request)
    conversation, _participant = access_conversation(user, conversation_id)
    sent = actions.send_message(
        actor=user,
        conversation=conversation,
        client_id=payload.client_id,
        body=payload.body,
        urgent=payload.urgent,
    )
    ack = AckOut(
        client_id=sent.message.client_id, seq=sent.message.seq, sent_at=sent.message.sent_at
    )
    return Status(201 if sent.is_new else 200, ack)


@router.post(
    "/conversations/{conversation_id}/receipts",
    response=ParticipantOut,
    summary="Say how far I have received and read",
)
def mark_receipt(
    request: HttpRequest, conversation_id: PathId, payload: ReceiptIn
) -> ParticipantOut:
    user = actor(request)
    _conversation, participant = access_conversation(user, conversation_id)
    participant = actions.mark_receipt(
        actor=user, participant=participant, delivered=payload.delivered, read=payload.read
    )
    participant.user = user
    return ParticipantOut.of(participant)
