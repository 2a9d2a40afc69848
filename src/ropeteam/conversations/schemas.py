from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool, model_validator

from ropeteam.conversations.flow import MAX_BODY, MAX_PAGE, Kind
from ropeteam.conversations.models import Message, Participant
from ropeteam.people.schemas import InputSchema, RowId


class ParticipantOut(Schema):
    id: int
    name: str
    last_delivered_seq: int
    last_read_seq: int
    in_team: bool = Field(
        description="False once they have left the team: they no longer read or receive it."
    )

    @staticmethod
    def of(participant: Participant, *, in_team: bool = True) -> "ParticipantOut":
        return ParticipantOut(
            id=participant.user_id,
            name=participant.user.name,
            last_delivered_seq=participant.last_delivered_seq,
            last_read_seq=participant.last_read_seq,
            in_team=in_team,
        )


class ConversationOut(Schema):
    id: int
    team_id: int
    kind: Kind
    last_seq: int
    unread: int
    participants: list[ParticipantOut]


class ConversationIn(InputSchema):
    team_id: RowId
    member_ids: list[RowId] = Field(min_length=1, max_length=50)


class MessageIn(InputSchema):
    client_id: UUID = Field(description="Made by the sending device; a retry sends it again.")
    body: str = Field(min_length=1, max_length=MAX_BODY)
    # Strict, as the socket's frame is: "yes" or 1 is refused, not taken for true.
    urgent: StrictBool = Field(
        False, description="Unread after the team's wait, it escalates to rope holders."
    )


class MessageOut(Schema):
    seq: int
    client_id: UUID
    sender_id: int
    body: str
    sent_at: datetime
    urgent: bool

    @staticmethod
    def of(message: Message) -> "MessageOut":
        return MessageOut(
            seq=message.seq,
            client_id=message.client_id,
            sender_id=message.sender_id,
            body=message.body,
            sent_at=message.sent_at,
            urgent=message.urgent,
        )


class AckOut(Schema):
    """What the sender keeps: their client_id is stored as this seq."""

    client_id: UUID
    seq: int
    sent_at: datetime


class ReceiptIn(InputSchema):
    delivered: int | None = Field(None, ge=0, le=2**63 - 1)
    read: int | None = Field(None, ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _says_how_far(self) -> "ReceiptIn":
        # Unknown keys are ignored, so a misspelt mark would otherwise be answered 200 as if
        # it had been stored.
        if self.delivered is None and self.read is None:
            raise ValueError("Say how far you have got: give delivered, read or both.")
        return self


class PageQuery(Schema):
    after: int = Field(0, ge=0, le=2**63 - 1, description="The last seq the client has.")
    limit: int = Field(100, ge=1, le=MAX_PAGE)
