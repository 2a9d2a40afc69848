"""Who is asking: bearer tokens, the browser session with CSRF, and everyone else."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from ropeteam.people import actions as people
from ropeteam.people.models import AccessToken
from tests.api.conftest import Api, bearer
from tests.conftest import World

UNAUTHENTICATED = {"detail": "Sign in, or send a valid token as “Authorization: Bearer <token>”."}


def _post_token(client: Client, **headers: str) -> Any:
    return client.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "laptop"}),
        content_type="application/json",
        **headers,
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/me"), ("GET", "/teams"), ("POST", "/me/tokens"), ("DELETE", "/me/tokens/1")],
)
def test_no_credentials_get_401_with_a_json_detail(world: World, method: str, path: str) -> None:
    response = Api(Client(), {}).call(method, path, {"name": "x"} if method == "POST" else None)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == UNAUTHENTICATED


@pytest.mark.parametrize(
    "header",
    ["Bearer rt_not-a-real-token", "Bearer ", "Basic c2FtOnBhc3N3b3Jk", "rt_without_scheme"],
)
def test_a_malformed_or_unknown_token_gets_401(world: World, header: str) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_a_revoked_token_gets_401_at_once(world: World) -> None:
    token, raw = people.create_token(actor=world.sam, name="phone")
    assert Client().get("/api/v1/me", **bearer(raw)).status_code == 200

    people.revoke_token(actor=world.sam, token=token)

    response = Client().get("/api/v1/me", **bearer(raw))
    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_the_token_of_a_deactivated_account_gets_401(world: World) -> None:
    _token, raw = people.create_token(actor=world.sam, name="phone")
    people.set_account_active(
        actor=world.admin, organisation=world.organisation, user=world.sam, is_active=False
    )

    response = Client().get("/api/v1/me", **bearer(raw))

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_a_token_stops_working_when_its_owner_is_deactivated_directly(world: World) -> None:
    _token, raw = people.create_token(actor=world.jo, name="phone")
    world.jo.is_active = False
    world.jo.save(update_fields=["is_active"])

    assert Client().get(f"/api/v1/teams/{world.northside.pk}", **bearer(raw)).status_code == 401


def test_a_token_records_when_it_was_last_used(world: World) -> None:
    token, raw = people.create_token(actor=world.sam, name="phone")
    assert token.last_used_at is None

    Client().get("/api/v1/me", **bearer(raw))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_session_cookie_works_for_reading(world: World) -> None:
    response = world.client_for(world.sam).get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["username"] == "sam"


def test_a_session_post_without_a_csrf_token_gets_403_and_makes_nothing(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.sam)

    response = _post_token(browser)

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not AccessToken.objects.filter(user=world.sam, name="laptop").exists()


def test_a_session_post_with_the_csrf_token_is_accepted(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.sam)
    # What the web page does: send back in a header the value of the csrftoken cookie.
    csrf_cookie = "a" * 32
    browser.cookies[settings.CSRF_COOKIE_NAME] = csrf_cookie

    response = _post_token(browser, HTTP_X_CSRFTOKEN=csrf_cookie)

    assert response.status_code == 201
    assert AccessToken.objects.filter(user=world.sam, name="laptop").exists()


def test_a_bearer_token_needs_no_csrf_token(world: World) -> None:
    _token, raw = people.create_token(actor=world.sam, name="script")

    response = _post_token(Client(enforce_csrf_checks=True), **bearer(raw))

    assert response.status_code == 201


def test_a_session_of_a_deactivated_account_gets_401(world: World) -> None:
    browser = world.client_for(world.sam)
    world.sam.is_active = False
    world.sam.save(update_fields=["is_active"])

    response = browser.get("/api/v1/me")

    assert response.status_code == 401


def test_a_script_posting_with_a_revoked_token_gets_401_not_a_csrf_error(world: World) -> None:
    token, raw = people.create_token(actor=world.sam, name="script")
    people.revoke_token(actor=world.sam, token=token)

    # A real HTTP client never skips CSRF checks the way the default test client does.
    response = _post_token(Client(enforce_csrf_checks=True), **bearer(raw))

    assert response.status_code == 401
    assert response.json() == UNAUTHENTICATED


def test_a_removed_member_loses_access_to_the_team_at_once(
    world: World, api: Callable[[str], Api]
) -> None:
    jo = api("jo")
    assert jo.get(f"/teams/{world.northside.pk}").status_code == 200

    response = api("priya").delete(f"/teams/{world.northside.pk}/members/{world.jo.pk}")
    assert response.status_code == 204

    assert jo.get(f"/teams/{world.northside.pk}").status_code == 404
    assert jo.get(f"/cases/{world.sams_case.pk}").status_code == 404
    assert jo.get("/teams").json() == []
