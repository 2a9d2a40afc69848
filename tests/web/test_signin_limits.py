"""Guessing is held back per account and per address, and audited (docs/security.md)."""

from datetime import timedelta
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from tests.conftest import PASSWORD, World
from tests.web.conftest import page_text

WRONG = "Please enter a correct username and password."
HELD = "Too many failed sign-ins. Try again at"


def _sign_in(username: str, password: str, *, address: str = "192.0.2.7") -> str:
    response = Client(REMOTE_ADDR=address).post(
        reverse("web:login"), {"username": username, "password": password}
    )
    return "signed in" if response.status_code == 302 else page_text(response)


def _later(minutes: float) -> "mock._patch[object]":
    return mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=minutes)
    )


def test_twenty_wrong_passwords_are_held_back_then_the_right_one_works(world: World) -> None:
    answers = [_sign_in("sam", f"wrong guess {n}") for n in range(20)]
    assert all(WRONG in a for a in answers[:4])
    assert all(HELD in a and "(in 1 minute)." in a for a in answers[4:])
    assert HELD in _sign_in("sam", PASSWORD)  # not even checked while held
    with _later(1.1):
        assert _sign_in("sam", PASSWORD) == "signed in"


def test_the_message_says_when_to_try_again_in_local_time(world: World) -> None:
    for n in range(5):
        answer = _sign_in("sam", f"wrong guess {n}")
    until = timezone.localtime(timezone.now() + timedelta(minutes=1)).strftime("%H:%M")
    assert f"Try again at {until} (in 1 minute)." in answer


def test_holds_grow_and_stop_at_fifteen_minutes(world: World) -> None:
    minutes_after = []
    offset = 0.0
    for _hold in range(6):
        with _later(offset):
            for n in range(5):
                answer = _sign_in("sam", f"wrong guess {n}")
        minutes_after.append(int(answer.split("(in ")[1].split(" minute")[0]))
        offset += minutes_after[-1] + 0.1
    assert minutes_after == [1, 2, 4, 8, 15, 15]


def test_one_address_guessing_many_accounts_is_held_back_and_others_are_not(
    world: World,
) -> None:
    for n in range(20):
        _sign_in(f"nobody{n}", "a wrong password")
    assert HELD in _sign_in("sam", PASSWORD)
    assert _sign_in("sam", PASSWORD, address="198.51.100.3") == "signed in"


def test_a_held_account_keeps_its_signed_in_sessions(world: World) -> None:
    client = world.client_for(world.sam)
    for n in range(20):
        _sign_in("sam", f"wrong guess {n}")
    assert client.get(reverse("web:home")).status_code == 200


def test_failures_and_refusals_are_audited_without_the_typed_name(world: World) -> None:
    for n in range(7):
        _sign_in("sam", f"wrong guess {n}")
    _sign_in("no-such-person", "wrong guess")
    failed = AuditEntry.objects.filter(action="signin.failed").order_by("id")
    refused = AuditEntry.objects.filter(action="signin.refused")
    assert [e.target_id for e in failed] == [str(world.sam.pk)] * 5 + [""]
    assert refused.count() == 2
    assert all(e.data["address"] == "192.0.2.7" for e in [*failed, *refused])
    assert not AuditEntry.objects.filter(data__icontains="no-such-person").exists()


def test_signing_in_and_out_are_audited(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.9")
    client.post(reverse("web:login"), {"username": "sam", "password": PASSWORD})
    client.post(reverse("web:logout"))
    entries = AuditEntry.objects.filter(action__startswith="account.signed").order_by("id")
    assert [(e.action, e.actor_id, e.data) for e in entries] == [
        ("account.signed_in", world.sam.pk, {"address": "192.0.2.9"}),
        ("account.signed_out", world.sam.pk, {"address": "192.0.2.9"}),
    ]


def test_the_admin_sign_in_is_held_back_too(world: World) -> None:
    client = Client(REMOTE_ADDR="192.0.2.8")
    for n in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": f"wrong {n}"})
    assert HELD in page_text(response)
