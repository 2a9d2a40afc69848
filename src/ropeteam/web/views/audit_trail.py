"""The audit trail, read in the app by an organisation's auditors (docs/security.md)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit import trail
from ropeteam.cases import queries as cases
from ropeteam.core.errors import NotFound
from ropeteam.people import queries as people
from ropeteam.people.models import User
from ropeteam.web.decorators import signed_in
from ropeteam.web.forms.audit import AuditSearchForm


@signed_in
def audit_trail(request: HttpRequest, me: User) -> HttpResponse:
    organisations = trail.organisations_audited_by(me.pk)
    if not organisations:
        raise NotFound
    team_ids = people.team_ids_of_organisations(organisations)
    scope = trail.Scope(organisations, team_ids, people.member_ids_of_teams(team_ids))
    form = AuditSearchForm(request.GET or None)
    context = {"form": form, "searched": False, "limit": trail.LIMIT}
    if not form.is_bound or not form.is_valid():
        # A search is a GET: only a search with a mistake in it is a 400.
        status = 400 if form.is_bound else 200
        return render(request, "web/audit_trail.html", context, status=status)
    wanted = _search(form.cleaned_data, scope)
    export = request.GET.get("format") == "csv"
    if wanted is None:  # a person or case that is not there: nothing matches
        entries = []
    else:
        entries = trail.search(actor=me, scope=scope, wanted=wanted, export=export)
    if export:
        response = HttpResponse(trail.to_csv(entries), content_type="text/csv; charset=utf-8")
        name = f"audit-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context.update(searched=True, entries=entries, csv_query=_csv_query(request))
    if wanted is None:
        context["nothing"] = _("No such person or case in this organisation.")
    return render(request, "web/audit_trail.html", context)


def _search(data: dict[str, object], scope: trail.Scope) -> trail.Search | None:
    person_id = None
    if data.get("person"):
        person_id = people.user_id_in_teams(str(data["person"]).strip(), scope.team_ids)
        if person_id is None:
            return None
    target_type = ""
    target_ids: tuple[str, ...] = ()
    if data.get("case"):
        target_ids = tuple(
            str(i) for i in cases.ids_with_reference(str(data["case"]).strip(), scope.team_ids)
        )
        if not target_ids:
            return None
        target_type = "cases.case"
    return trail.Search(
        person_id=person_id,
        target_type=target_type,
        target_ids=target_ids,
        action=str(data.get("action") or "").strip(),
        since=data.get("since"),  # type: ignore[arg-type]
        until=data.get("until"),  # type: ignore[arg-type]
    )


def _csv_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()
