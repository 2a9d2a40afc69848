"""An unread urgent message from a rope holder's or the duty lead's side: "I'll check on them"."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.notify import urgent
from ropeteam.people.models import User
from ropeteam.web.decorators import signed_in
from ropeteam.web.views._post import act, back_to_next


@require_POST
@signed_in
def acknowledge(request: HttpRequest, me: User, check_id: int) -> HttpResponse:
    """Take it; back to the page it was taken from, which no longer shows it."""
    return act(
        request,
        lambda: urgent.acknowledge(actor=me, check_id=check_id),
        back=back_to_next(request, "web:home"),
        done=lambda taken: (
            _("You are checking on %(name)s; the others told see that.")
            % {"name": taken.reader.name}
        ),
    )
