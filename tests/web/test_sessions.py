"""Session limits, and what a new password or a deactivation ends (docs/security.md)."""

from datetime import UTC, datetime, timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.people import actions as people
from ropeteam.people.models import AccessToken
from ropeteam.web.middleware import STARTED_KEY, keep_in_limits
from tests.conftest import PASSWORD, World

IDLE = 240 * 60
MAX = 12 * 3600


def _signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("web:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _session_end(client: Client) -> datetime:
    row = Session.objects.get(session_key=client.session.session_key)
    return row.expire_date


def test_signing_in_ends_the_session_after_the_idle_time(world: World) -> None:
    client = _signed_in("sam")
    assert abs(_session_end(client) - (timezone.now() + timedelta(seconds=IDLE))) < timedelta(
        seconds=5
    )


def test_a_session_never_outlives_its_absolute_lifetime() -> None:
    session = SessionStore()
    now = 1_800_000_000
    session[STARTED_KEY] = now - MAX + 600  # signed in 11 h 50 min ago
    keep_in_limits(session, now=now)
    assert session.get_expiry_date() == datetime.fromtimestamp(now + 600, tz=UTC)


def test_activity_moves_the_end_at_most_once_a_minute() -> None:
    session = SessionStore()
    keep_in_limits(session, now=1_800_000_000)
    first = session.get_expiry_date()
    keep_in_limits(session, now=1_800_000_030)
    assert session.get_expiry_date() == first
    keep_in_limits(session, now=1_800_000_061)
    assert session.get_expiry_date() == first + timedelta(seconds=61)


def test_an_expired_session_is_signed_out(world: World) -> None:
    client = _signed_in("sam")
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_a_new_password_ends_other_sessions_and_deletes_every_token(world: World) -> None:
    client = _signed_in("sam")
    people.create_token(actor=world.sam, name="phone")
    world.sam.set_password("a completely new walk")
    world.sam.save()
    assert not AccessToken.objects.filter(user=world.sam).exists()
    assert client.get(reverse("web:home")).status_code == 302
    entry = AuditEntry.objects.filter(action="account.password_changed").get()
    assert (entry.target_id, entry.data) == (str(world.sam.pk), {"tokens_deleted": 1})


def test_a_new_account_is_not_a_password_change(world: World) -> None:
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()


def test_restoring_a_deactivated_account_revives_no_session_or_token(world: World) -> None:
    client = _signed_in("sam")
    _token, raw = people.create_token(actor=world.sam, name="phone")
    for is_active in (False, True):
        people.set_account_active(
            actor=world.admin, organisation=world.organisation, user=world.sam, is_active=is_active
        )
    assert client.get(reverse("web:home")).status_code == 302
    assert people.authenticate_token(raw) is None
    assert _signed_in("sam").get(reverse("web:home")).status_code == 200
