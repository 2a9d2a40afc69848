"""Push subscriptions and the notification record over HTTP: each person's own, nobody else's."""

import base64
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.notify import vapid
from ropeteam.notify.models import Delivery, PushSubscription
from ropeteam.people.models import User
from tests.api.conftest import Api
from tests.conftest import World
from tests.notify.conftest import Browser, PushService, subscribed

PUSH_HOST = "https://push.example.net/wpush/v2/"


def _internet(browser: Browser, name: str = "abc") -> dict[str, Any]:
    """The browser's subscription JSON, at a push service on the internet."""
    return {**browser.subscription_json(), "endpoint": PUSH_HOST + name}


@pytest.fixture
def browser(push_service: PushService) -> Browser:
    return push_service.browser()


# --- the key ------------------------------------------------------------------------------


def test_the_key_is_the_public_half_of_the_configured_vapid_key(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("sam").get("/push/key")

    assert response.status_code == 200
    key = response.json()["public_key"]
    point = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(point) == 65 and point[0] == 4
    assert key == vapid.public_key_of(vapid.private_key_from(vapid.settings.VAPID_PRIVATE_KEY))


# --- subscribing --------------------------------------------------------------------------


def test_subscribing_gives_201_then_200_for_the_same_browser(
    world: World, api: Callable[[str], Api], browser: Browser
) -> None:
    body = _internet(browser)

    first = api("sam").post("/push/subscriptions", body)
    again = api("sam").post("/push/subscriptions", body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["endpoint"] == PUSH_HOST + "abc"
    assert first.json()["last_success_at"] is None
    assert subscribed(world.sam) == [PUSH_HOST + "abc"]
    stored = PushSubscription.objects.get()
    assert (stored.p256dh, stored.auth) == (body["keys"]["p256dh"], body["keys"]["auth"])
    assert AuditEntry.objects.filter(action="push.subscribed").count() == 1


def test_subscribing_again_with_new_keys_keeps_the_new_keys(
    world: World, api: Callable[[str], Api], push_service: PushService
) -> None:
    old, new = _internet(push_service.browser()), _internet(push_service.browser())
    api("sam").post("/push/subscriptions", old)

    response = api("sam").post("/push/subscriptions", new)

    assert response.status_code == 200
    assert PushSubscription.objects.get().p256dh == new["keys"]["p256dh"]


def test_a_browser_someone_else_registered_moves_to_whoever_subscribes_now(
    world: World, api: Callable[[str], Api], browser: Browser
) -> None:
    api("sam").post("/push/subscriptions", _internet(browser))

    response = api("jo").post("/push/subscriptions", _internet(browser))

    assert response.status_code == 201
    assert (subscribed(world.sam), subscribed(world.jo)) == ([], [PUSH_HOST + "abc"])
    gone = api("sam").call("DELETE", "/push/subscriptions", {"endpoint": PUSH_HOST + "abc"})
    assert gone.status_code == 404
    assert subscribed(world.jo) == [PUSH_HOST + "abc"]


def test_a_loopback_push_service_over_http_is_accepted_only_where_allowed(
    world: World, api: Callable[[str], Api], browser: Browser, settings: Any
) -> None:
    assert api("sam").post("/push/subscriptions", browser.subscription_json()).status_code == 201

    settings.PUSH_ALLOW_LOOPBACK = False
    response = api("jo").post("/push/subscriptions", browser.subscription_json())

    assert response.status_code == 400
    assert response.json() == {"detail": "The endpoint must use https://.", "field": "endpoint"}


LOCAL = "The endpoint must be a push service on the internet, not a local address."
NOT_PUSH = "The endpoint must be the https:// URL the browser's push service gave."


@pytest.mark.parametrize(
    "case",
    [
        ("http://push.example.net/x", "The endpoint must use https://."),
        ("https://10.0.0.7/x", LOCAL),
        ("https://169.254.169.254/latest/meta-data", LOCAL),
        ("https://[::1]/x", LOCAL),
        ("https://localhost/x", LOCAL),
        ("https://intranet/x", LOCAL),
        ("ftp://push.example.net/x", NOT_PUSH),
        ("not a url", NOT_PUSH),
        ("https:///x", NOT_PUSH),
        ("https://push.example.net:port/x", "The endpoint must be a URL."),
        (
            "https://me:pw@push.example.net/x",
            "The endpoint must not carry a user name or password.",
        ),
    ],
)
def test_an_endpoint_the_server_should_not_post_to_is_refused(
    world: World,
    api: Callable[[str], Api],
    browser: Browser,
    settings: Any,
    case: tuple[str, str],
) -> None:
    endpoint, detail = case
    settings.PUSH_ALLOW_LOOPBACK = False

    response = api("sam").post("/push/subscriptions", {**_internet(browser), "endpoint": endpoint})

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "field": "endpoint"}
    assert PushSubscription.objects.count() == 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


P256DH = "keys.p256dh must be the browser's P-256 public key: 65 bytes in base64url."
AUTH = "keys.auth must be the browser's 16-byte auth secret in base64url."


@pytest.mark.parametrize(
    "case",
    [
        ({"p256dh": "not base64!"}, P256DH, "keys.p256dh"),
        ({"p256dh": _b64(b"\x04" + b"\x01" * 64)}, P256DH, "keys.p256dh"),  # not on the curve
        ({"p256dh": _b64(b"\x04" * 33)}, P256DH, "keys.p256dh"),
        ({"auth": _b64(b"\x00" * 15)}, AUTH, "keys.auth"),
        ({"auth": "!!!!"}, AUTH, "keys.auth"),
    ],
)
def test_keys_of_the_wrong_kind_are_refused_with_the_field_named(
    world: World,
    api: Callable[[str], Api],
    browser: Browser,
    case: tuple[dict[str, str], str, str],
) -> None:
    keys, detail, field = case
    body = _internet(browser)
    body["keys"] = {**body["keys"], **keys}

    response = api("sam").post("/push/subscriptions", body)

    assert response.status_code == 400
    assert response.json() == {"detail": detail, "field": field}


def test_a_compressed_point_is_refused(
    world: World, api: Callable[[str], Api], browser: Browser
) -> None:
    compressed = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(
            vapid.serialization.Encoding.X962, vapid.serialization.PublicFormat.CompressedPoint
        )
    )
    body = _internet(browser)
    body["keys"]["p256dh"] = _b64(compressed)

    response = api("sam").post("/push/subscriptions", body)

    assert response.status_code == 400
    assert response.json()["field"] == "keys.p256dh"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"endpoint": PUSH_HOST + "x"}, "keys"),
        ({"keys": {"p256dh": "a", "auth": "b"}}, "endpoint"),
        ({"endpoint": PUSH_HOST + "x\x00", "keys": {"p256dh": "a", "auth": "b"}}, "endpoint"),
        ({"endpoint": PUSH_HOST + "x" * 3000, "keys": {"p256dh": "a", "auth": "b"}}, "endpoint"),
    ],
)
def test_a_body_of_the_wrong_shape_gets_422_naming_the_field(
    world: World, api: Callable[[str], Api], body: dict[str, Any], field: str
) -> None:
    response = api("sam").post("/push/subscriptions", body)

    assert response.status_code == 422
    assert response.json()["field"] == field


# --- unsubscribing ------------------------------------------------------------------------


def test_unsubscribing_my_browser_gives_204_and_forgets_it(
    world: World, api: Callable[[str], Api], browser: Browser
) -> None:
    api("sam").post("/push/subscriptions", _internet(browser))

    response = api("sam").call("DELETE", "/push/subscriptions", {"endpoint": PUSH_HOST + "abc"})

    assert response.status_code == 204
    assert PushSubscription.objects.count() == 0
    assert AuditEntry.objects.filter(action="push.unsubscribed").count() == 1


def test_nobody_can_unsubscribe_someone_elses_browser(
    world: World, api: Callable[[str], Api], browser: Browser
) -> None:
    api("sam").post("/push/subscriptions", _internet(browser))

    theirs = api("lee").call("DELETE", "/push/subscriptions", {"endpoint": PUSH_HOST + "abc"})
    missing = api("lee").call("DELETE", "/push/subscriptions", {"endpoint": PUSH_HOST + "zzz"})

    assert theirs.status_code == 404
    assert theirs.json() == missing.json() == {"detail": "No such subscription."}
    assert subscribed(world.sam) == [PUSH_HOST + "abc"]


# --- the record ---------------------------------------------------------------------------


def _delivery(user: User, conversation_id: int) -> Delivery:
    return Delivery.objects.create(
        user=user,
        conversation_id=conversation_id,
        up_to_seq=1,
        channel="push",
        state="sent",
        attempts=1,
        created_at=timezone.now(),
        sent_at=timezone.now(),
    )


def test_i_see_my_own_notifications_and_nobody_elses(
    world: World, api: Callable[[str], Api]
) -> None:
    mine = _delivery(world.jo, 7)
    _delivery(world.sam, 8)
    _delivery(world.lee, 9)

    response = api("jo").get("/notifications")

    assert response.status_code == 200
    assert [d["id"] for d in response.json()] == [mine.pk]
    assert response.json()[0]["conversation_id"] == 7


def test_the_record_is_newest_first_and_capped(world: World, api: Callable[[str], Api]) -> None:
    made = [_delivery(world.jo, n) for n in range(1, 56)]

    listed = api("jo").get("/notifications").json()

    assert [d["id"] for d in listed] == [d.pk for d in reversed(made)][:50]


# --- signing in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route",
    [
        ("GET", "/push/key", None),
        (
            "POST",
            "/push/subscriptions",
            {"endpoint": PUSH_HOST, "keys": {"p256dh": "a", "auth": "b"}},
        ),
        ("DELETE", "/push/subscriptions", {"endpoint": PUSH_HOST + "abc"}),
        ("GET", "/notifications", None),
    ],
)
def test_no_credentials_get_401_and_change_nothing(
    world: World, api: Callable[[str], Api], browser: Browser, route: tuple[str, str, Any]
) -> None:
    method, path, body = route
    api("sam").post("/push/subscriptions", _internet(browser))
    anonymous = Api(Client(), {})

    response = anonymous.call(method, path, body)

    assert response.status_code == 401
    assert set(response.json()) == {"detail"}
    assert subscribed(world.sam) == [PUSH_HOST + "abc"]
