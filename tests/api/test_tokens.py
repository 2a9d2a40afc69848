"""Personal access tokens: shown once, stored as a hash, revoked at once."""

from collections.abc import Callable

from django.test import Client

from ropeteam.people import actions as people
from ropeteam.people.models import AccessToken
from ropeteam.people.tokens import hash_secret
from tests.api.conftest import Api, audit_entries, bearer, database_contains
from tests.conftest import World


def test_creating_a_token_returns_it_once_and_stores_only_its_hash(
    world: World, api: Callable[[str], Api]
) -> None:
    response = api("sam").post("/me/tokens", {"name": "  Work phone "})

    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("rt_")
    assert body["name"] == "Work phone"
    assert body["prefix"] == raw[:10]
    assert body["last_used_at"] is None
    token = AccessToken.objects.get(pk=body["id"])
    assert token.user == world.sam
    assert token.token_hash == hash_secret(raw) != raw
    assert database_contains(raw) == []
    assert database_contains(token.token_hash) == ["people_accesstoken"]  # the scan sees it
    assert [e.target_id for e in audit_entries("token.created")][-1] == str(token.pk)


def test_the_new_token_works_straight_away(world: World, api: Callable[[str], Api]) -> None:
    raw = api("sam").post("/me/tokens", {"name": "Script"}).json()["token"]

    response = Client().get("/api/v1/me", **bearer(raw))

    assert response.status_code == 200
    assert response.json()["username"] == "sam"


def test_listing_tokens_shows_my_tokens_but_never_the_token_itself(
    world: World, api: Callable[[str], Api]
) -> None:
    sam = api("sam")
    raw = sam.post("/me/tokens", {"name": "Laptop"}).json()["token"]
    people.create_token(actor=world.jo, name="Jo's phone")

    response = sam.get("/me/tokens")

    assert response.status_code == 200
    listed = response.json()
    assert [t["name"] for t in listed] == ["Laptop", "tests"]  # newest first
    assert all("token" not in t for t in listed)
    assert raw not in response.content.decode()
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "last_used_at"}


def test_revoking_a_token_stops_it_working_at_once(world: World, api: Callable[[str], Api]) -> None:
    sam = api("sam")
    created = sam.post("/me/tokens", {"name": "Old phone"}).json()

    response = sam.delete(f"/me/tokens/{created['id']}")

    assert response.status_code == 204
    assert Client().get("/api/v1/me", **bearer(created["token"])).status_code == 401
    assert created["id"] not in [t["id"] for t in sam.get("/me/tokens").json()]
    assert AccessToken.objects.get(pk=created["id"]).revoked_at is not None
    assert audit_entries("token.revoked")[-1].target_id == str(created["id"])


def test_a_token_can_revoke_itself(world: World) -> None:
    token, raw = people.create_token(actor=world.sam, name="Leaving device")
    client = Api(Client(), bearer(raw))

    assert client.delete(f"/me/tokens/{token.pk}").status_code == 204
    assert client.get("/me").status_code == 401


def test_nobody_can_revoke_or_see_someone_elses_token(
    world: World, api: Callable[[str], Api]
) -> None:
    jos_token, jos_raw = people.create_token(actor=world.jo, name="Jo's phone")
    priya = api("priya")  # even Jo's team lead

    response = priya.delete(f"/me/tokens/{jos_token.pk}")
    missing = priya.delete("/me/tokens/987654321")

    assert response.status_code == 404
    assert response.json() == missing.json() == {"detail": "No such token."}
    assert "Jo's phone" not in priya.get("/me/tokens").content.decode()
    assert Client().get("/api/v1/me", **bearer(jos_raw)).status_code == 200


def test_revoking_a_token_twice_gets_404_the_second_time(
    world: World, api: Callable[[str], Api]
) -> None:
    token, _raw = people.create_token(actor=world.sam, name="Tablet")
    sam = api("sam")
    sam.delete(f"/me/tokens/{token.pk}")
    revoked_at = AccessToken.objects.get(pk=token.pk).revoked_at

    assert sam.delete(f"/me/tokens/{token.pk}").status_code == 404
    assert AccessToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_a_token_needs_a_name(world: World, api: Callable[[str], Api]) -> None:
    sam = api("sam")
    before = AccessToken.objects.filter(user=world.sam).count()

    blank = sam.post("/me/tokens", {"name": "   "})
    empty = sam.post("/me/tokens", {"name": ""})

    assert blank.status_code == 400
    assert blank.json() == {
        "detail": "Give the token a name, e.g. the device it is for.",
        "field": "name",
    }
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["loc"] == ["body", "payload", "name"]
    assert AccessToken.objects.filter(user=world.sam).count() == before
