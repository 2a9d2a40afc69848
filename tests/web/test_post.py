"""views/_post: a button's action, its refusal as a message, and the way back."""

from typing import NoReturn

from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from ropeteam.core.errors import Conflict, NotFound
from ropeteam.web.views._post import act, back_to_next


def _request(data: dict[str, str] | None = None) -> HttpRequest:
    request = RequestFactory().post("/", data or {})
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _said(request: HttpRequest) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def _refuse(error: Exception) -> NoReturn:
    raise error


def test_done_says_so_and_goes_where_the_result_leads() -> None:
    request = _request()
    response = act(
        request,
        lambda: 7,
        back=HttpResponse("back"),
        done=lambda n: f"Number {n}.",
        then=lambda n: HttpResponse(f"to {n}"),
    )
    assert response.content == b"to 7"
    assert _said(request) == [("success", "Number 7.")]


def test_a_refusal_comes_back_with_the_actions_message() -> None:
    request = _request()
    response = act(
        request,
        lambda: _refuse(Conflict("Already taken.")),
        back=HttpResponse("back"),
        done="Done.",
    )
    assert response.content == b"back"
    assert _said(request) == [("error", "Already taken.")]


def test_not_found_is_left_to_the_404_page_unless_the_view_says_otherwise() -> None:
    request = _request()
    try:
        act(request, lambda: _refuse(NotFound("No such colleague.")), back=HttpResponse())
    except NotFound as error:
        assert error.message == "No such colleague."
    else:
        raise AssertionError("NotFound was swallowed")
    act(
        request,
        lambda: _refuse(NotFound("No such colleague.")),
        back=HttpResponse(),
        refusals=(NotFound,),
    )
    assert _said(request) == [("error", "No such colleague.")]


def test_back_to_next_follows_only_our_own_pages() -> None:
    assert back_to_next(_request({"next": "/team/"}), "web:home")["Location"] == "/team/"
    off_site = _request({"next": "https://example.com/"})
    assert back_to_next(off_site, "web:home")["Location"] == "/"
    assert back_to_next(_request(), "web:thinking", consultation_id=4)["Location"] == (
        "/thinking/4/"
    )
