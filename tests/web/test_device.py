"""What the device keeps: the service worker, the offline page, and forgetting at sign-out."""

from typing import Any

from django.test import Client
from django.urls import reverse

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
