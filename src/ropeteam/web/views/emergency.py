"""An emergency chosen in a Thinking Together, from a responder's side: "I'm on it"."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.people.models import User
from ropeteam.thinking import emergency
from ropeteam.web.decorators import signed_in
from ropeteam.web.views._post import act, back_to_next


@require_POST
@signed_in
def acknowledge(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    """Take the emergency; back to the page it was taken from, which no longer shows it."""
    return act(
        request,
        lambda: emergency.acknowledge(actor=me, consultation_id=consultation_id),
        back=back_to_next(request, "web:thinking", consultation_id=consultation_id),
        done=lambda taken: _("You are on it: %(name)s is told.") % {"name": taken.seeker.name},
    )
