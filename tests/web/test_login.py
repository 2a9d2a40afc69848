"""Signing in and out, and setting a first password from a link."""

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ropeteam.people import actions as people
from tests.conftest import PASSWORD, World
from tests.web.conftest import page_text


def test_signing_in_goes_to_my_rope(world: World) -> None:
    client = Client()
    response = client.post(reverse("web:login"), {"username": "sam", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert "Who holds my rope" in page_text(client.get(reverse("web:home")))


def test_signing_in_returns_to_the_page_asked_for(world: World) -> None:
    response = Client().post(
        reverse("web:login"),
        {"username": "sam", "password": PASSWORD, "next": reverse("web:rota")},
    )
    assert response["Location"] == reverse("web:rota")


def test_wrong_password_shows_the_form_again_with_a_message(world: World) -> None:
    response = Client().post(reverse("web:login"), {"username": "sam", "password": "nope"})
    assert response.status_code == 200
    html = page_text(response)
    assert "Please enter a correct username and password." in html
    assert 'aria-describedby="form-errors"' in html
    assert '<div class="error-summary" id="form-errors">' in html


def test_login_page_labels_its_fields(db: None) -> None:
    html = page_text(Client().get(reverse("web:login")))
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html


def test_signing_out_ends_the_session(world: World) -> None:
    client = world.client_for(world.sam)
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def _reset_path(world: World) -> str:
    user = people.create_account(actor=None, username="new", display_name="New", password=None)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/reset/{uid}/{default_token_generator.make_token(user)}/"


def test_link_from_import_team_lets_a_new_person_set_a_password(world: World) -> None:
    client = Client()
    form_url = client.get(_reset_path(world))["Location"]
    assert "Choose a password" in page_text(client.get(form_url))
    new_password = "a long walk by the river"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response["Location"] == reverse("web:reset_done")
    assert client.login(username="new", password=new_password)


def test_used_or_wrong_reset_link_says_to_ask_the_lead(world: World) -> None:
    path = _reset_path(world)[:-2] + "x/"
    html = page_text(Client().get(path))
    assert "It has expired or was already used. Ask your team lead for a new one." in html


def test_reset_done_page_offers_to_sign_in(db: None) -> None:
    html = page_text(Client().get(reverse("web:reset_done")))
    assert f'href="{reverse("web:login")}"' in html
