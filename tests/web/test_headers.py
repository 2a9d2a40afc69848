"""Cache-Control: no-store on what a signed-in person or a token is answered (docs/security.md)."""

from django.test import Client
from django.urls import reverse

from ropeteam.people import actions as people
from tests.conftest import World


def test_every_signed_in_page_is_no_store(world: World) -> None:
    client = world.client_for(world.sam)
    for name in ("web:home", "web:team", "web:conversations", "web:tokens"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "no-store", name


def test_a_signed_in_api_answer_and_a_refusal_are_no_store(world: World) -> None:
    client = world.client_for(world.sam)
    assert client.get("/api/v1/me")["Cache-Control"] == "no-store"
    missing = client.get(reverse("web:case", args=[10**9]))
    assert (missing.status_code, missing["Cache-Control"]) == (404, "no-store")


def test_an_answer_to_a_bearer_token_is_no_store(world: World) -> None:
    _token, raw = people.create_token(actor=world.sam, name="phone")
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert (response.status_code, response["Cache-Control"]) == (200, "no-store")


def test_the_answer_to_signing_out_is_no_store(world: World) -> None:
    response = world.client_for(world.sam).post(reverse("web:logout"))
    assert response["Cache-Control"] == "no-store"


def test_static_files_keep_their_caching(world: World) -> None:
    response = world.client_for(world.sam).get("/static/ropeteam/live.js")
    assert "no-store" not in response.get("Cache-Control", "")
