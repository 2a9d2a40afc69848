"""What the device keeps: the service worker, the offline page and its rope card, the manifest
and icons, and forgetting at sign-out."""

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from ropeteam.people import actions as people
from tests.conftest import World
from tests.web.conftest import page_text


def test_service_worker_is_served_from_the_root_for_the_whole_site(db: None) -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert b'addEventListener("push"' in response.content


def test_offline_page_says_what_happens_to_what_i_write(db: None) -> None:
    response = Client().get(reverse("web:offline"))
    assert response.status_code == 200
    assert (
        "You are offline — Ropeteam will send what you write when the connection returns."
        in page_text(response)
    )


def test_offline_page_holds_nothing_about_the_person(as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:offline")))
    # The service worker keeps it on the device: no name, team, form token or menu.
    for private in ("Sam", "Northside", "csrfmiddlewaretoken", "Sign out"):
        assert private not in html, private


def test_offline_page_does_not_use_up_a_message_meant_for_the_next_page(
    world: Any, as_user: Any
) -> None:
    sam = as_user("sam")
    sam.post(reverse("web:availability"), {"status": "busy", "until": ""})
    sam.get(reverse("web:offline"))
    assert "Your availability is saved." in page_text(sam.get(reverse("web:home")))


def test_signing_out_tells_the_browser_to_clear_what_the_site_stored(as_user: Any) -> None:
    response = as_user("sam").post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_settings_offers_notifications_on_this_device(as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:tokens")))
    assert "Turn on notifications on this device" in html


def _rope_card(response: Any) -> Any:
    """What the home page hands to its script to keep on the device for the offline page."""
    html = response.content.decode()
    start = html.index('<script id="rope-card-data" type="application/json">')
    data = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(data)


def test_my_rope_page_hands_my_rope_holders_numbers_to_the_device(
    world: World, as_user: Any
) -> None:
    people.set_phone(actor=world.jo, phone="07700 900 104")
    world.organisation.out_of_hours_contact = "Emergency duty team 0300 555 0123"
    world.organisation.save(update_fields=["out_of_hours_contact"])
    card = _rope_card(as_user("sam").get(reverse("web:home")))
    assert card == {
        "user": world.sam.pk,
        "worker": "Sam",
        "team": "Northside",
        "holders": [
            {"name": "Jo", "phone": "07700 900 104", "dial": "07700900104"},
            {"name": "Morgan", "phone": "", "dial": ""},
        ],
        "duty_lead": None,
        "out_of_hours": {"text": "Emergency duty team 0300 555 0123", "dial": "03005550123"},
    }


def test_the_rope_card_holds_nothing_about_cases(world: World, as_user: Any) -> None:
    card = json.dumps(_rope_card(as_user("sam").get(reverse("web:home"))))
    for private in (world.sams_case.reference, "JT", "high"):
        assert private not in card, private


def test_only_my_own_rope_page_hands_a_rope_card_to_the_device(world: World, as_user: Any) -> None:
    # Priya sees Sam's rope on his member page: it is not kept on her phone as hers.
    html = page_text(as_user("priya").get(reverse("web:member", args=[world.sam.pk])))
    assert "rope-card-data" not in html
    assert "rope-card-data" not in page_text(Client().get(reverse("web:offline")))
    assert Client().get(reverse("web:home")).status_code == 302


def test_the_manifest_lets_a_phone_install_ropeteam(db: None) -> None:
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == manifest["short_name"] == "Ropeteam"
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]} >= {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }


def test_favicon_ico_is_an_icon_not_a_404(db: None) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert "max-age" in response["Cache-Control"]


def test_every_page_names_the_manifest_and_its_icons(as_user: Any) -> None:
    html = page_text(as_user("sam").get(reverse("web:home")))
    for link in (
        '<link rel="manifest" href="/manifest.webmanifest">',
        '<link rel="icon" href="/favicon.ico"',
        '<link rel="icon" href="/static/ropeteam/icons/icon.svg" type="image/svg+xml">',
        '<link rel="apple-touch-icon" href="/static/ropeteam/icons/apple-touch-icon.png">',
    ):
        assert link in html, link
