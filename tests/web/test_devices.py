"""My devices: each signed-in session, signing out one, the others or everything; a lead or
organisation admin signing a member out everywhere; changing my password (docs/security.md)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.people import actions as people
from ropeteam.people.models import AccessToken, SignedInSession, User
from ropeteam.web.middleware import SEEN_KEY
from tests.conftest import PASSWORD, World

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _signed_in(username: str, agent: str = LAPTOP, address: str = "203.0.113.9") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(reverse("web:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("web:devices")).status_code == 200


def _row(user: User, agent: str) -> SignedInSession:
    return SignedInSession.objects.get(user=user, user_agent=agent)


def test_my_devices_lists_each_session_in_plain_words_with_only_its_network(world: World) -> None:
    laptop = _signed_in("sam")
    _signed_in("sam", PHONE, "198.51.100.23")
    page = laptop.get(reverse("web:devices")).content.decode()
    assert "Firefox on Windows" in page
    assert "Chrome on Android" in page
    assert "198.51.100.0/24" in page
    assert "198.51.100.23" not in page
    assert page.count("Sign out this device") == 1  # not this one: that is "Sign out"


def test_no_session_key_is_stored_only_its_hash(world: World) -> None:
    client = _signed_in("sam")
    key = client.session.session_key
    row = SignedInSession.objects.get(user=world.sam)
    assert key not in (row.key_hash, row.key_prefix)
    assert row.key_prefix == key[:8]


def test_signing_out_another_device_ends_only_that_session_and_is_audited(world: World) -> None:
    laptop, phone = _signed_in("sam"), _signed_in("sam", PHONE)
    row = _row(world.sam, PHONE)
    response = laptop.post(reverse("web:device_sign_out", args=[row.pk]))
    assert response.status_code == 302
    assert (_is_signed_in(laptop), _is_signed_in(phone)) == (True, False)
    assert not SignedInSession.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(action="account.session_ended")
    assert (entry.actor, entry.data) == (world.sam, {"session": row.pk})


def test_this_devices_own_session_is_not_signed_out_from_the_list(world: World) -> None:
    laptop = _signed_in("sam")
    row = _row(world.sam, LAPTOP)
    assert laptop.post(reverse("web:device_sign_out", args=[row.pk])).status_code == 404
    assert _is_signed_in(laptop)


@pytest.mark.parametrize("who", ["jo", "kim", "admin"])
def test_nobody_signs_out_another_persons_session_from_my_devices(world: World, who: str) -> None:
    sams = _signed_in("sam")
    row = _row(world.sam, LAPTOP)
    other = _signed_in(who, PHONE)
    response = other.post(reverse("web:device_sign_out", args=[row.pk]))
    assert response.status_code == 404
    assert "Laptop" not in response.content.decode()
    assert _is_signed_in(sams)
    assert "Firefox" not in other.get(reverse("web:devices")).content.decode()


def test_signing_out_every_other_device_keeps_this_one(world: World) -> None:
    laptop, phone, tablet = _signed_in("sam"), _signed_in("sam", PHONE), _signed_in("sam", "x")
    response = laptop.post(reverse("web:sign_out_others"), follow=True)
    assert "2 other devices are signed out." in response.content.decode()
    assert [_is_signed_in(c) for c in (laptop, phone, tablet)] == [True, False, False]
    assert SignedInSession.objects.filter(user=world.sam).count() == 1


def test_signing_out_everywhere_ends_this_session_too_and_every_token(world: World) -> None:
    laptop, phone = _signed_in("sam"), _signed_in("sam", PHONE)
    people.create_token(actor=world.sam, name="Script")
    response = laptop.post(reverse("web:sign_out_everything"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert (_is_signed_in(laptop), _is_signed_in(phone)) == (False, False)
    assert not AccessToken.objects.filter(user=world.sam).exists()
    entry = AuditEntry.objects.get(action="account.sessions_ended")
    assert (entry.actor, entry.data) == (world.sam, {"tokens_deleted": 1, "sessions_ended": 2})


def test_my_devices_shows_tokens_with_their_last_use_and_stops_one(world: World) -> None:
    token, raw = people.create_token(actor=world.sam, name="Rota script")
    people.authenticate_token(raw)
    laptop = _signed_in("sam")
    page = laptop.get(reverse("web:devices")).content.decode()
    assert "Rota script" in page
    assert "last used" in page.split("Rota script")[1]
    response = laptop.post(
        reverse("web:token_revoke", args=[token.pk]), {"next": reverse("web:devices")}
    )
    assert response["Location"] == reverse("web:devices")
    assert people.authenticate_token(raw) is None


@pytest.mark.parametrize("who", ["priya", "admin"])
def test_a_lead_or_the_organisation_admin_signs_a_member_out_everywhere(
    world: World, who: str
) -> None:
    sams = _signed_in("sam")
    people.create_token(actor=world.sam, name="Script")
    actor = _signed_in(who, PHONE)
    actor.post(reverse("web:team_choose", args=[world.northside.pk]))
    response = actor.post(reverse("web:member_sign_out", args=[world.sam.pk]), follow=True)
    assert "Sam is signed out everywhere" in response.content.decode()
    assert not _is_signed_in(sams)
    assert not AccessToken.objects.filter(user=world.sam).exists()
    entry = AuditEntry.objects.get(action="account.sessions_ended")
    assert (entry.actor, entry.target_id, entry.team_id) == (
        getattr(world, who),
        str(world.sam.pk),
        world.northside.pk,
    )


def test_a_keyworker_may_not_sign_a_colleague_out_and_sees_no_button(world: World) -> None:
    sams = _signed_in("sam")
    jo = world.client_for(world.jo)
    assert (
        "out everywhere" not in jo.get(reverse("web:member", args=[world.sam.pk])).content.decode()
    )
    assert jo.post(reverse("web:member_sign_out", args=[world.sam.pk])).status_code == 403
    assert _is_signed_in(sams)
    assert not AuditEntry.objects.filter(action="account.sessions_ended").exists()


def test_another_teams_lead_gets_404_for_signing_out_our_member(world: World) -> None:
    sams = _signed_in("sam")
    response = world.client_for(world.kim).post(reverse("web:member_sign_out", args=[world.sam.pk]))
    assert response.status_code == 404
    assert "Sam" not in response.content.decode()
    assert _is_signed_in(sams)


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("web:devices", [], "get"),
        ("web:password_change", [], "get"),
        ("web:device_sign_out", [1], "post"),
        ("web:sign_out_others", [], "post"),
        ("web:sign_out_everything", [], "post"),
        ("web:member_sign_out", [1], "post"),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(
    world: World, client: Client, name: str, args: list[int], method: str
) -> None:
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_signing_out_buttons_are_posts_only(world: World) -> None:
    sam = world.client_for(world.sam)
    for name in ("web:sign_out_others", "web:sign_out_everything"):
        assert sam.get(reverse(name)).status_code == 405
    assert _is_signed_in(sam)


def _change(client: Client, old: str, new: str, again: str | None = None) -> object:
    fields = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(reverse("web:password_change"), fields)


def test_changing_my_password_keeps_this_device_and_ends_the_others_and_my_tokens(
    world: World,
) -> None:
    laptop, phone = _signed_in("sam"), _signed_in("sam", PHONE)
    people.create_token(actor=world.sam, name="Script")
    response = _change(laptop, PASSWORD, "a quiet walk along the canal")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert (_is_signed_in(laptop), _is_signed_in(phone)) == (True, False)
    assert not AccessToken.objects.filter(user=world.sam).exists()
    entry = AuditEntry.objects.get(action="account.password_changed")
    assert (entry.target_id, entry.data) == (str(world.sam.pk), {"tokens_deleted": 1})
    # This device is listed once, as this device; the phone is gone.
    page = laptop.get(reverse("web:devices")).content.decode()
    assert (page.count("this device</strong>"), "Android" in page) == (1, False)
    assert Client().login(username="sam", password="a quiet walk along the canal")


def test_a_wrong_current_password_changes_nothing(world: World) -> None:
    laptop = _signed_in("sam")
    response = _change(laptop, "not my password", "a quiet walk along the canal")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Your old password was entered incorrectly" in response.content.decode()  # type: ignore[attr-defined]
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short one", "This password is too short. It must contain at least 12 characters."),
        ("sam keeps the ropeteam", "must not contain your name"),
        ("password1234", "This password is too common."),
    ],
)
def test_the_new_password_follows_the_password_rules(world: World, new: str, message: str) -> None:
    response = _change(_signed_in("sam"), PASSWORD, new)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.content.decode()  # type: ignore[attr-defined]


def test_the_two_new_passwords_must_match(world: World) -> None:
    response = _change(_signed_in("sam"), PASSWORD, "a quiet walk along the canal", "a quiet walk")
    assert "The two password fields didn’t match." in response.content.decode()  # type: ignore[attr-defined]


def test_guessing_the_current_password_is_held_back_like_signing_in(world: World) -> None:
    laptop = _signed_in("sam")
    for attempt in range(5):
        _change(laptop, f"guess number {attempt}", "a quiet walk along the canal")
    response = _change(laptop, PASSWORD, "a quiet walk along the canal")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "Too many failed sign-ins." in response.content.decode()  # type: ignore[attr-defined]
    assert (
        AuditEntry.objects.filter(action="signin.failed", target_id=str(world.sam.pk)).count() == 5
    )
    assert _is_signed_in(laptop)  # the hold never ends a session


def test_signing_out_removes_the_session_from_the_list(world: World) -> None:
    laptop, _phone = _signed_in("sam"), _signed_in("sam", PHONE)
    laptop.post(reverse("web:logout"))
    assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == [PHONE]


def test_last_used_moves_at_most_once_a_minute(world: World) -> None:
    laptop = _signed_in("sam")
    long_ago = timezone.now() - timedelta(minutes=30)
    SignedInSession.objects.update(last_seen_at=long_ago)
    laptop.get(reverse("web:devices"))  # the session was touched at sign-in: not yet again
    assert SignedInSession.objects.get().last_seen_at == long_ago
    session = laptop.session
    session[SEEN_KEY] = 0  # as if its last touch was over a minute ago
    session.save()
    laptop.get(reverse("web:devices"))
    assert SignedInSession.objects.get().last_seen_at > long_ago
