"""Post an action, show the refusal, come back: what every button that is not a form does.

A form sent back for correcting is shown again with the message beside its field
(`forms.base.submit`); a button has no field, so its refusal is shown at the top of the
page it comes back to, as a message.
"""

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ropeteam.core.errors import Conflict, InvalidInput, RopeteamError

T = TypeVar("T")

# What a person can act on from the page they come back to. Forbidden and NotFound are not
# among them: those are the 403 and 404 pages (web.decorators.refusals).
REFUSALS: tuple[type[RopeteamError], ...] = (InvalidInput, Conflict)


def act(
    request: HttpRequest,
    action: Callable[[], T],
    *,
    back: HttpResponse,
    done: str | Callable[[T], str] = "",
    then: Callable[[T], HttpResponse] | None = None,
    refusals: tuple[type[RopeteamError], ...] = REFUSALS,
) -> HttpResponse:
    """Do one action and come `back`; a refusal is shown there as an error message.

    When it is done, `done` (a sentence, or one made from the result) is shown, and the
    person goes to `then(result)` where the result decides the page, else `back`.
    """
    try:
        result = action()
    except refusals as error:
        messages.error(request, error.message)
        return back
    said = done(result) if callable(done) else done
    if said:
        messages.success(request, said)
    return then(result) if then is not None else back


def back_to_next(request: HttpRequest, default: str, **kwargs: int) -> HttpResponse:
    """Back to the page the button was on (the form's `next`), if it is one of ours; else to
    the `default` page (a URL name, with its `kwargs`)."""
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect(reverse(default, kwargs=kwargs))
