"""My API tokens, and choosing or adding a team."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.core.errors import NotFound
from ropeteam.people import actions, queries
from ropeteam.people.access import access_organisation, access_team
from ropeteam.people.models import User
from ropeteam.web.context import TEAM_KEY
from ropeteam.web.decorators import signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.people import TeamForm, TokenForm
from ropeteam.web.views._post import back_to_next
from ropeteam.web.views.render import page, posted


@signed_in
def tokens(request: HttpRequest, me: User) -> HttpResponse:
    form, secret = TokenForm(posted(request)), None
    created = submit(form, lambda d: actions.create_token(actor=me, name=d["name"]))
    if created is not REFUSED:
        secret, form = created[1], TokenForm()
    context = {"form": form, "secret": secret, "tokens": queries.tokens_for(me)}
    return page(request, "web/tokens.html", context)


@require_POST
@signed_in
def token_revoke(request: HttpRequest, me: User, token_id: int) -> HttpResponse:
    token = queries.get_token(me, token_id)
    if token is None:
        raise NotFound(_("No such token."))
    actions.revoke_token(actor=me, token=token)
    messages.success(request, _("The token no longer works."))
    return back_to_next(request, "web:tokens")


def _teams_page(request: HttpRequest, me: User, refused: TeamForm | None = None) -> HttpResponse:
    new_team_forms = [
        refused if refused and refused.organisation == o else TeamForm(organisation=o)
        for o in queries.administered_organisations(me)
    ]
    context = {"teams": queries.teams_for(me), "new_team_forms": new_team_forms}
    return page(request, "web/teams.html", context)


@signed_in
def teams(request: HttpRequest, me: User) -> HttpResponse:
    return _teams_page(request, me)


@require_POST
@signed_in
def team_choose(request: HttpRequest, me: User, team_id: int) -> HttpResponse:
    team = access_team(me, team_id)
    request.session[TEAM_KEY] = team.pk
    messages.success(request, _("You are now working in %(team)s.") % {"team": team.name})
    return redirect("web:team")


@require_POST
@signed_in
def team_new(request: HttpRequest, me: User, organisation_id: int) -> HttpResponse:
    organisation = access_organisation(me, organisation_id)
    form = TeamForm(request.POST, organisation=organisation)
    created = submit(
        form, lambda d: actions.create_team(actor=me, organisation=organisation, name=d["name"])
    )
    if created is REFUSED:
        return _teams_page(request, me, form)
    messages.success(request, _("%(team)s is ready.") % {"team": created.name})
    return redirect("web:teams")
