"""Web Push subscriptions, a person's channels and the record of notifications, over HTTP."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Status

from ropeteam.notify import actions, queries, urgent, vapid
from ropeteam.notify.access import access_device, access_subscription
from ropeteam.notify.schemas import (
    ChannelsOut,
    DeliveryOut,
    DeviceOut,
    EmailIn,
    EmailTokenIn,
    PhoneIn,
    PushEndpointIn,
    PushKeyOut,
    PushSubscriptionIn,
    PushSubscriptionOut,
    QuietHoursIn,
    QuietHoursOut,
    TestPushOut,
    UnreachableOut,
    UnreadUrgentOut,
    UrgentWaitIn,
    UrgentWaitOut,
)
from ropeteam.people import actions as people
from ropeteam.people.access import access_team
from ropeteam.people.auth import actor
from ropeteam.people.flow import Permission
from ropeteam.people.models import User
from ropeteam.people.schemas import PathId

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


# --- my channels --------------------------------------------------------------------------


def _channels(user: User) -> ChannelsOut:
    channels = queries.channels_of(user)
    quiet = channels.quiet_hours
    return ChannelsOut(
        email=channels.email,
        email_pending=channels.email_pending,
        phone=channels.phone,
        quiet_hours=QuietHoursOut(
            starts=quiet.starts, ends=quiet.ends, time_zone=settings.TIME_ZONE
        )
        if quiet is not None
        else None,
        devices=[DeviceOut.of(d) for d in channels.devices],
        is_reachable=channels.is_reachable,
    )


@router.get(
    "/me/channels",
    response=ChannelsOut,
    summary="Where I am told things: e-mail, phone, quiet hours, devices",
)
def my_channels(request: HttpRequest) -> ChannelsOut:
    return _channels(actor(request))


@router.put(
    "/me/email",
    response={202: ChannelsOut},
    summary="E-mail me here, once I open the link sent to it (24 hours, once)",
)
def request_email(request: HttpRequest, payload: EmailIn) -> Status[ChannelsOut]:
    user = actor(request)
    actions.request_email(actor=user, email=payload.email)
    return Status(202, _channels(user))


@router.post(
    "/me/email/verify", response=ChannelsOut, summary="Prove an address with its link's token"
)
def verify_email(request: HttpRequest, payload: EmailTokenIn) -> ChannelsOut:
    return _channels(actions.verify_email(actor=actor(request), token=payload.token))


@router.delete("/me/email", response={204: None}, summary="Stop e-mailing me")
def remove_email(request: HttpRequest) -> Status[None]:
    actions.remove_email(actor=actor(request))
    return Status(204, None)


@router.put("/me/phone", response=ChannelsOut, summary="The number my rope holders call")
def set_phone(request: HttpRequest, payload: PhoneIn) -> ChannelsOut:
    return _channels(people.set_phone(actor=actor(request), phone=payload.phone))


@router.put(
    "/me/quiet-hours",
    response=ChannelsOut,
    summary="Hold routine notifications at these local times (alarms always come)",
)
def set_quiet_hours(request: HttpRequest, payload: QuietHoursIn) -> ChannelsOut:
    user = actor(request)
    actions.set_quiet_hours(actor=user, starts=payload.starts, ends=payload.ends)
    return _channels(user)


@router.delete("/me/quiet-hours", response={204: None}, summary="No quiet hours")
def clear_quiet_hours(request: HttpRequest) -> Status[None]:
    actions.set_quiet_hours(actor=actor(request), starts=None, ends=None)
    return Status(204, None)


@router.get("/me/push-devices", response=list[DeviceOut], summary="My devices that take push")
def list_devices(request: HttpRequest) -> list[DeviceOut]:
    return [DeviceOut.of(d) for d in queries.devices_of(actor(request))]


@router.post(
    "/me/push-devices/{device_id}/test",
    response=TestPushOut,
    summary="Send a test notification to one of my devices",
)
def test_device(request: HttpRequest, device_id: PathId) -> TestPushOut:
    user = actor(request)
    return TestPushOut(
        state=actions.test_push(actor=user, subscription=access_device(user, device_id))
    )


@router.delete(
    "/me/push-devices/{device_id}", response={204: None}, summary="Stop push to one of my devices"
)
def remove_device(request: HttpRequest, device_id: PathId) -> Status[None]:
    user = actor(request)
    actions.unsubscribe_push(actor=user, subscription=access_device(user, device_id))
    return Status(204, None)


@router.get(
    "/teams/{team_id}/unreachable",
    response=list[UnreachableOut],
    summary="Members the app cannot reach away from it (leads only)",
)
def list_unreachable(request: HttpRequest, team_id: PathId) -> list[UnreachableOut]:
    team = access_team(actor(request), team_id, need=Permission.VIEW_ACTIVITY)
    return [UnreachableOut(id=u.pk, name=u.name) for u in queries.unreachable_in(team)]


# --- unread urgent messages ----------------------------------------------------------------


@router.get(
    "/teams/{team_id}/urgent-messages/wait",
    response=UrgentWaitOut,
    summary="How long an urgent message may stay unread before each step",
)
def get_urgent_wait(request: HttpRequest, team_id: PathId) -> UrgentWaitOut:
    team = access_team(actor(request), team_id)
    return UrgentWaitOut(wait_seconds=int(urgent.wait_for(team.pk).total_seconds()))


@router.put(
    "/teams/{team_id}/urgent-messages/wait",
    response=UrgentWaitOut,
    summary="Set how long an urgent message may stay unread before each step (team lead)",
)
def set_urgent_wait(request: HttpRequest, team_id: PathId, payload: UrgentWaitIn) -> UrgentWaitOut:
    user = actor(request)
    team = access_team(user, team_id, need=Permission.EDIT_SETTINGS)
    urgent.set_wait(actor=user, team=team, wait=timedelta(seconds=payload.wait_seconds))
    return get_urgent_wait(request, team_id)


@router.get(
    "/me/urgent-messages",
    response=list[UnreadUrgentOut],
    summary="Unread urgent messages I am told about (as rope holder or duty lead), untaken",
)
def my_urgent_messages(request: HttpRequest) -> list[UnreadUrgentOut]:
    return [UnreadUrgentOut.of(c) for c in urgent.waiting_for(actor(request))]


@router.post(
    "/urgent-messages/{check_id}/acknowledge",
    response=UnreadUrgentOut,
    summary="I'll check on them: the others told see it is taken",
)
def acknowledge_urgent(request: HttpRequest, check_id: PathId) -> UnreadUrgentOut:
    user = actor(request)
    urgent.acknowledge(actor=user, check_id=check_id)
    return UnreadUrgentOut.of(urgent.access_check(user, check_id))
