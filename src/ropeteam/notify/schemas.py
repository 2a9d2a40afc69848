from datetime import datetime, time
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from ropeteam.notify.flow import Channel, State
from ropeteam.notify.models import Delivery, PushSubscription, UrgentCheck
from ropeteam.notify.queries import device_name_of
from ropeteam.people.schemas import InputSchema, values_in_place


class PushKeyOut(Schema):
    public_key: str = Field(
        description="The VAPID public key: pass it as applicationServerKey to subscribe()."
    )


class PushKeysIn(InputSchema):
    p256dh: str = Field(min_length=1, max_length=200)
    auth: str = Field(min_length=1, max_length=100)


class PushSubscriptionIn(InputSchema):
    """What the browser's PushSubscription.toJSON() gives (expirationTime is ignored)."""

    endpoint: str = Field(min_length=1, max_length=2048)
    keys: PushKeysIn


class PushEndpointIn(InputSchema):
    endpoint: str = Field(min_length=1, max_length=2048)


class PushSubscriptionOut(Schema):
    endpoint: str
    created_at: datetime
    last_success_at: datetime | None

    @staticmethod
    def of(subscription: PushSubscription) -> "PushSubscriptionOut":
        return PushSubscriptionOut(
            endpoint=subscription.endpoint,
            created_at=subscription.created_at,
            last_success_at=subscription.last_success_at,
        )


class DeliveryOut(Schema):
    id: int
    conversation_id: int
    up_to_seq: int
    channel: Channel
    state: Annotated[State, values_in_place(State)]
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def of(delivery: Delivery) -> "DeliveryOut":
        return DeliveryOut(
            id=delivery.pk,
            conversation_id=delivery.conversation_id,
            up_to_seq=delivery.up_to_seq,
            channel=Channel(delivery.channel),
            state=State(delivery.state),
            attempts=delivery.attempts,
            error=delivery.error,
            created_at=delivery.created_at,
            sent_at=delivery.sent_at,
        )


class EmailIn(InputSchema):
    email: str = Field(min_length=1, max_length=254)


class EmailTokenIn(InputSchema):
    token: str = Field(min_length=1, max_length=200)


class PhoneIn(InputSchema):
    phone: str = Field(max_length=32, description="Blank removes it.")


class QuietHoursIn(InputSchema):
    starts: time = Field(description="Local time, e.g. 22:00")
    ends: time = Field(description="Local time, e.g. 07:00; earlier than starts: next day")

    @field_validator("starts", "ends")
    @classmethod
    def _local(cls, value: time) -> time:
        # Quiet hours are the person's own clock times; an offset ("22:00+02:00") names no
        # such time and no database stores it in a time column (it was a 500).
        if value.tzinfo is not None:
            raise ValueError(_("Give a time of day without a time zone, e.g. 22:00."))
        return value


class QuietHoursOut(Schema):
    starts: time
    ends: time
    time_zone: str


class DeviceOut(Schema):
    id: int
    name: str = Field(description="What kind of browser, from its push service")
    created_at: datetime
    last_success_at: datetime | None

    @staticmethod
    def of(subscription: PushSubscription) -> "DeviceOut":
        return DeviceOut(
            id=subscription.pk,
            name=device_name_of(subscription),
            created_at=subscription.created_at,
            last_success_at=subscription.last_success_at,
        )


class TestPushOut(Schema):
    state: Annotated[State, values_in_place(State)]


class ChannelsOut(Schema):
    email: str = Field(description="The verified address alerts are e-mailed to, or blank")
    email_pending: str = Field(description="An address whose link was sent and not yet opened")
    phone: str
    quiet_hours: QuietHoursOut | None
    devices: list[DeviceOut]
    is_reachable: bool = Field(description="Has a verified e-mail address or a push device")


class UnreachableOut(Schema):
    id: int
    name: str


class UrgentWaitIn(InputSchema):
    wait_seconds: int = Field(
        ge=1,
        le=86400,
        description="Unread this long, an urgent message is notified again; as long again, "
        "and the reader's rope holders and the duty lead are told.",
    )


class UrgentWaitOut(Schema):
    wait_seconds: int


class UnreadUrgentOut(Schema):
    """An urgent message someone has not read, as their rope holders and the duty lead see it:
    who wrote to whom and when, never what it says or where."""

    id: int
    sender_id: int
    sender_name: str
    reader_id: int
    reader_name: str
    sent_at: datetime
    escalated_at: datetime
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None

    @staticmethod
    def of(check: UrgentCheck) -> "UnreadUrgentOut":
        return UnreadUrgentOut(
            id=check.pk,
            sender_id=check.message.sender_id,
            sender_name=check.message.sender.name,
            reader_id=check.reader_id,
            reader_name=check.reader.name,
            sent_at=check.message.sent_at,
            escalated_at=check.escalated_at,
            acknowledged_by_id=check.acknowledged_by_id,
            acknowledged_at=check.acknowledged_at,
        )
