"""Signing in with a second factor, the Security page, the organisation's policy and the
admin's reset, through the pages (web/views/signin.py, web/views/security.py)."""

import json
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.people import actions, totp
from ropeteam.people.models import TotpDevice, User
from ropeteam.visits import actions as visits
from tests.conftest import PASSWORD, World
from tests.web.conftest import page_text

ADDRESS = "192.0.2.9"
HELD = "Too many failed sign-ins. Try again at"
WRONG_CODE = "That code is not right. Try again."


def _enrol(user: User) -> tuple[str, list[str]]:
    device = actions.start_totp(actor=user)
    return device.key, actions.confirm_totp(actor=user, code=totp.code_now(device.key))


def _password(username: str, client: Client | None = None) -> Client:
    client = client or Client(REMOTE_ADDR=ADDRESS)
    response = client.post(reverse("web:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, page_text(response)
    return client


def _signed_in(client: Client) -> bool:
    return client.get(reverse("web:home")).status_code == 200


def _next_code(key: str) -> str:
    """The code of the step after the one that confirmed the app (used once already)."""
    return totp.code_now(key, at=time.time() + 30)


def _in_30_seconds() -> "mock._patch[object]":
    later = time.time() + 30
    return mock.patch("ropeteam.people.totp.time.time", return_value=later)


def test_a_person_with_a_factor_is_not_signed_in_by_the_password_alone(world: World) -> None:
    _enrol(world.sam)
    client = Client(REMOTE_ADDR=ADDRESS)
    response = client.post(reverse("web:login"), {"username": "sam", "password": PASSWORD})
    assert response["Location"] == reverse("web:login_second")
    assert not _signed_in(client)
    assert "Enter the code your authenticator app shows now." in page_text(
        client.get(reverse("web:login_second"))
    )


def test_the_right_code_signs_in_and_goes_where_the_person_was_going(world: World) -> None:
    key, _codes = _enrol(world.sam)
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post(reverse("web:login"), {"username": "sam", "password": PASSWORD, "next": "/cases/"})
    with _in_30_seconds():
        response = client.post(reverse("web:login_second"), {"code": _next_code(key)})
    assert response["Location"] == "/cases/"
    assert _signed_in(client)


def test_wrong_codes_count_toward_the_guessing_limit_and_are_audited(world: World) -> None:
    _key, _codes = _enrol(world.sam)
    client = _password("sam")
    answers = [
        page_text(client.post(reverse("web:login_second"), {"code": f"00000{n}"})) for n in range(5)
    ]
    assert all(WRONG_CODE in a for a in answers[:4])
    assert HELD in answers[4]
    failed = AuditEntry.objects.filter(action="signin.failed", target_id=str(world.sam.pk))
    assert failed.count() == 5
    # The right password does not clear the count while the second step is still to come.
    assert HELD in page_text(
        Client(REMOTE_ADDR="192.0.2.10").post(
            reverse("web:login"), {"username": "sam", "password": PASSWORD}
        )
    )


def test_a_recovery_code_signs_in_once_and_a_second_use_fails(world: World) -> None:
    _key, codes = _enrol(world.sam)
    first = _password("sam")
    assert first.post(reverse("web:login_second"), {"code": codes[0]}).status_code == 302
    assert _signed_in(first)
    second = _password("sam", Client(REMOTE_ADDR="192.0.2.11"))
    response = second.post(reverse("web:login_second"), {"code": codes[0]})
    assert response.status_code == 400 and WRONG_CODE in page_text(response)
    assert not _signed_in(second)


def test_using_a_recovery_code_ends_the_persons_other_sessions(world: World) -> None:
    _key, codes = _enrol(world.sam)
    other = Client()
    other.force_login(User.objects.get(pk=world.sam.pk))
    client = _password("sam")
    client.post(reverse("web:login_second"), {"code": codes[1]})
    assert _signed_in(client)
    assert not _signed_in(other)


def test_the_second_step_without_a_password_first_goes_back_to_sign_in(db: None) -> None:
    response = Client().get(reverse("web:login_second"))
    assert response["Location"] == reverse("web:login")


def test_the_second_step_expires(world: World) -> None:
    _enrol(world.sam)
    client = _password("sam")
    with mock.patch("ropeteam.web.views.signin.time.time", return_value=time.time() + 301):
        response = client.post(reverse("web:login_second"), {"code": "123456"})
    assert response["Location"] == reverse("web:login")


def test_a_person_without_a_factor_signs_in_with_the_password_as_before(world: World) -> None:
    client = _password("jo")
    assert _signed_in(client)


def test_the_admin_sign_in_page_refuses_a_person_with_a_factor(world: World) -> None:
    _enrol(world.admin)
    response = Client().post(
        reverse("admin:login"), {"username": "admin", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "You sign in with a second factor: use the sign-in page" in page_text(response)


# --- passkeys: what the browser test (tests/browser/test_second_factor.py) does not reach ----


def test_passkey_sign_in_options_ask_for_any_passkey_of_this_site(db: None) -> None:
    response = Client().post(reverse("web:login_passkey_options"), HTTP_HOST="localhost:8000")
    options = response.json()["options"]
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == []


def test_a_passkey_answer_that_proves_nothing_is_refused_and_counted(world: World) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post(reverse("web:login_passkey_options"))
    answer = {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}}
    response = client.post(
        reverse("web:login_passkey"), json.dumps(answer), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("This passkey was not accepted.")
    assert AuditEntry.objects.filter(action="signin.failed").count() == 1
    assert not _signed_in(client)


def test_a_made_up_passkey_is_not_added(as_user: object, world: World) -> None:
    client = world.client_for(world.sam)
    options = client.post(reverse("web:passkey_options")).json()["options"]
    assert options["authenticatorSelection"]["residentKey"] == "required"
    answer = {"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key"}, "name": "x"}
    response = client.post(
        reverse("web:passkey_add"), json.dumps(answer), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "The passkey could not be added. Try again."}


# --- the Security page -------------------------------------------------------------------


def test_setting_up_the_app_shows_its_key_then_the_recovery_codes_once(world: World) -> None:
    client = world.client_for(world.sam)
    page = page_text(client.post(reverse("web:totp_start"), follow=True))
    device = TotpDevice.objects.get(user=world.sam)
    assert totp.key_base32(device.key) in page and "<svg" in page
    response = client.post(reverse("web:totp_confirm"), {"code": totp.code_now(device.key)})
    page = page_text(response)
    assert "Your recovery codes" in page and page.count("<li><code>") == 10
    assert "Your recovery codes" not in page_text(client.get(reverse("web:security")))
    assert _signed_in(client)  # this session is kept; the others ended


def test_a_wrong_confirming_code_is_shown_beside_the_field(world: World) -> None:
    client = world.client_for(world.sam)
    client.post(reverse("web:totp_start"))
    response = client.post(reverse("web:totp_confirm"), {"code": "12345"})
    assert response.status_code == 400
    assert "That code is not right. Enter the code the app shows now." in page_text(response)


def test_a_factor_change_ends_the_other_sessions_and_keeps_this_one(world: World) -> None:
    other = world.client_for(world.sam)
    client = world.client_for(world.sam)
    _enrol(User.objects.get(pk=world.sam.pk))  # ends both; sign this one in again
    client = world.client_for(User.objects.get(pk=world.sam.pk))
    other = world.client_for(User.objects.get(pk=world.sam.pk))
    assert client.post(reverse("web:recovery_codes")).status_code == 200
    assert _signed_in(client)
    assert not _signed_in(other)


def test_removing_the_app_is_audited(world: World) -> None:
    _enrol(world.sam)
    client = world.client_for(User.objects.get(pk=world.sam.pk))
    assert client.post(reverse("web:totp_remove"))["Location"] == reverse("web:security")
    assert AuditEntry.objects.filter(action="account.factor_removed").count() == 1


def test_removing_another_persons_passkey_is_404(world: World) -> None:
    client = world.client_for(world.sam)
    assert client.post(reverse("web:passkey_remove", args=[1])).status_code == 404


SECURITY_POSTS = [
    ("web:totp_start", {}),
    ("web:totp_confirm", {}),
    ("web:totp_remove", {}),
    ("web:recovery_codes", {}),
    ("web:passkey_options", {}),
    ("web:passkey_add", {}),
    ("web:passkey_remove", {"passkey_id": 1}),
    ("web:member_reset_factors", {"user_id": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), [("web:security", {}), *SECURITY_POSTS])
def test_anonymous_visitor_is_sent_to_sign_in(db: None, name: str, kwargs: dict[str, int]) -> None:
    url = reverse(name, kwargs=kwargs)
    response = Client().get(url) if name == "web:security" else Client().post(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


# --- the organisation admin's reset ------------------------------------------------------


def _admin_in_northside(world: World) -> Client:
    client = world.client_for(world.admin)
    client.post(reverse("web:team_choose", args=[world.northside.pk]))
    return client


def test_an_org_admin_resets_a_members_factors(world: World) -> None:
    _enrol(world.sam)
    client = _admin_in_northside(world)
    assert "Reset Sam’s second factor" in page_text(
        client.get(reverse("web:member", args=[world.sam.pk]))
    )
    response = client.post(reverse("web:member_reset_factors", args=[world.sam.pk]))
    assert response["Location"] == reverse("web:member", args=[world.sam.pk])
    assert not TotpDevice.objects.filter(user=world.sam).exists()
    assert AuditEntry.objects.filter(action="account.factors_reset").count() == 1


def test_a_lead_who_is_no_org_admin_cannot_reset_factors(world: World) -> None:
    client = world.client_for(world.priya)
    assert "Reset Sam" not in page_text(client.get(reverse("web:member", args=[world.sam.pk])))
    response = client.post(reverse("web:member_reset_factors", args=[world.sam.pk]))
    assert response.status_code == 403


def test_a_practitioner_cannot_reset_factors(world: World) -> None:
    response = world.client_for(world.jo).post(
        reverse("web:member_reset_factors", args=[world.sam.pk])
    )
    assert response.status_code == 403


def test_another_teams_lead_gets_404_for_the_reset(world: World) -> None:
    response = world.client_for(world.kim).post(
        reverse("web:member_reset_factors", args=[world.sam.pk])
    )
    assert response.status_code == 404


# --- the organisation's policy -----------------------------------------------------------


def _policy_past_grace(world: World) -> None:
    actions.set_second_factor_policy(
        actor=world.admin, organisation=world.organisation, required=True, grace_days=0
    )


def test_past_the_grace_period_a_person_signs_in_to_set_up_and_nothing_else(
    world: World,
) -> None:
    _policy_past_grace(world)
    client = _password("sam")
    assert client.get(reverse("web:cases"))["Location"] == reverse("web:security")
    assert client.get(reverse("web:home"))["Location"] == reverse("web:security")
    response = client.get("/api/v1/me")
    assert response.status_code == 403
    page = page_text(client.get(reverse("web:security")))
    assert "Set one up now" in page


def test_setting_up_a_factor_lifts_the_set_up_first_rule(world: World) -> None:
    _policy_past_grace(world)
    client = _password("sam")
    client.post(reverse("web:totp_start"))
    key = TotpDevice.objects.get(user=world.sam).key
    client.post(reverse("web:totp_confirm"), {"code": totp.code_now(key)})
    assert client.get(reverse("web:cases")).status_code == 200


def test_in_the_grace_period_nothing_is_held_back(world: World) -> None:
    actions.set_second_factor_policy(
        actor=world.admin, organisation=world.organisation, required=True, grace_days=14
    )
    client = _password("sam")
    assert client.get(reverse("web:cases")).status_code == 200


@pytest.mark.hazard("H8")
def test_an_open_visits_check_in_and_alarm_are_never_held_back_by_the_policy(
    world: World,
) -> None:
    visit = visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3",
        expected_end=timezone.now() + timedelta(hours=1),
    )
    _policy_past_grace(world)
    client = _password("sam")
    assert client.get(reverse("web:visit", args=[visit.pk])).status_code == 200
    check_in = client.post(reverse("web:visit_check_in", args=[visit.pk]))
    assert check_in["Location"] != reverse("web:security")
    alarm = client.post(reverse("web:visit_alarm", args=[visit.pk]))
    assert alarm["Location"] != reverse("web:security")
    assert AuditEntry.objects.filter(action="visits.alarm").exists()


def test_the_live_socket_refuses_a_session_that_must_set_up_a_factor_first(
    world: World,
) -> None:
    from ropeteam.conversations.live.standing import authenticate

    _policy_past_grace(world)
    held = _password("sam")
    assert authenticate(session_key=held.session.session_key, bearer=None) is None
    free = _password("admin")  # an organisation admin sees no case content
    assert authenticate(session_key=free.session.session_key, bearer=None) == world.admin
