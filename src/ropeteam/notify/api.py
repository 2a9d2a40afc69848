"""Web Push subscriptions and the record of notifications, over HTTP."""

from django.http import HttpRequest
from ninja import Router, Status

from ropeteam.notify import actions, queries, vapid
from ropeteam.notify.access import access_subscription
from ropeteam.notify.schemas import (
    DeliveryOut,
    PushEndpointIn,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
)
from ropeteam.people.auth import actor

router = Router(tags=["notifications"])


@router.get("/push/key", response=PushKeyOut, summary="The key browsers subscribe to push with")
def push_key(request: HttpRequest) -> PushKeyOut:
    actor(request)
    return PushKeyOut(public_key=vapid.public_key())


@router.post(
    "/push/subscriptions",
    response={200: PushSubscriptionOut, 201: PushSubscriptionOut},
    summary="Turn on push for this browser (200 if it already was)",
)
def subscribe(request: HttpRequest, payload: PushSubscriptionIn) -> Status[PushSubscriptionOut]:
    subscription, is_new = actions.subscribe_push(
        actor=actor(request),
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
    )
    return Status(201 if is_new else 200, PushSubscriptionOut.of(subscription))


@router.delete(
    "/push/subscriptions", response={204: None}, summary="Turn off push for this browser"
)
def unsubscribe(request: HttpRequest, payload: PushEndpointIn) -> Status[None]:
    user = actor(request)
    subscription = access_subscription(user, payload.endpoint)
    actions.unsubscribe_push(actor=user, subscription=subscription)
    return Status(204, None)


@router.get(
    "/notifications", response=list[DeliveryOut], summary="My recent notifications and their state"
)
def list_notifications(request: HttpRequest) -> list[DeliveryOut]:
    return [DeliveryOut.of(d) for d in queries.recent_deliveries(actor(request))]
