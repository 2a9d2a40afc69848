"""An emergency chosen in a Thinking Together, from a responder's side: "I'm on it"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.core.errors import Conflict
from ropeteam.people.models import User
from ropeteam.thinking import emergency
from ropeteam.web.decorators import signed_in


@require_POST
@signed_in
def acknowledge(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    """Take the emergency; back to the page it was taken from, which no longer shows it."""
    try:
        taken = emergency.acknowledge(actor=me, consultation_id=consultation_id)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("You are on it: %(name)s is told.") % {"name": taken.seeker.name}
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=False):
        return redirect(back)
    return redirect("web:thinking", consultation_id=consultation_id)
