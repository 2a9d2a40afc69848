"""An unread urgent message from a rope holder's or the duty lead's side: "I'll check on them"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.core.errors import Conflict
from ropeteam.notify import urgent
from ropeteam.people.models import User
from ropeteam.web.decorators import signed_in


@require_POST
@signed_in
def acknowledge(request: HttpRequest, me: User, check_id: int) -> HttpResponse:
    """Take it; back to the page it was taken from, which no longer shows it."""
    try:
        taken = urgent.acknowledge(actor=me, check_id=check_id)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You are checking on %(name)s; the others told see that.")
            % {"name": taken.reader.name},
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("web:home")
