"""Pseudonymised cases: the list, opening one, its risk and its details."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.cases import actions as case_actions
from ropeteam.cases import queries as case_queries
from ropeteam.cases.access import access_case
from ropeteam.cases.models import Case
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.cases import CaseDetailsForm, CaseForm, RiskForm
from ropeteam.web.views.render import page, posted, team_members


@in_team(Permission.VIEW_CASES)
def case_list(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    context = {
        "cases": case_queries.list_cases(viewer=me, team=team, keyworker=me if mine else None),
        "mine": mine,
        "can_open": can(me, team, Permission.EDIT_CASES),
    }
    return page(request, "web/cases.html", context)


@in_team(Permission.EDIT_CASES)
def case_new(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = CaseForm(posted(request), members=team_members(team), initial={"keyworkers": [me.pk]})
    case = submit(
        form,
        lambda d: case_actions.open_case(
            actor=me,
            team=team,
            reference=d["reference"],
            initials=d["initials"],
            age_band=d["age_band"],
            risk_level=d["risk_level"],
            keyworker_ids=d["keyworkers"],
            reason=d["reason"],
        ),
    )
    if case is REFUSED:
        return page(request, "web/case_new.html", {"form": form})
    messages.success(request, _("Case %(ref)s is open.") % {"ref": case.reference})
    return redirect("web:case", case_id=case.pk)


def _case_page(
    request: HttpRequest, me: User, case: Case, risk_form: RiskForm | None = None
) -> HttpResponse:
    case, history = case_queries.view_case(viewer=me, case=case)
    context: dict[str, Any] = {
        "case": case,
        "history": history,
        "can_edit": can(me, case.team, Permission.EDIT_CASES),
    }
    if can(me, case.team, Permission.CHANGE_RISK):
        context["risk_form"] = risk_form or RiskForm(initial={"risk_level": case.risk_level})
    return page(request, "web/case.html", context)


@signed_in
def case_detail(request: HttpRequest, me: User, case_id: int) -> HttpResponse:
    return _case_page(request, me, access_case(me, case_id))


@require_POST
@signed_in
def case_risk(request: HttpRequest, me: User, case_id: int) -> HttpResponse:
    case = access_case(me, case_id, need=Permission.CHANGE_RISK)
    form = RiskForm(request.POST)
    changed = submit(
        form,
        lambda d: case_actions.change_risk(
            actor=me, case=case, level=d["risk_level"], reason=d["reason"]
        ),
    )
    if changed is REFUSED:
        return _case_page(request, me, case, form)
    messages.success(request, _("The risk level is changed."))
    return redirect("web:case", case_id=case.pk)


@signed_in
def case_edit(request: HttpRequest, me: User, case_id: int) -> HttpResponse:
    case = access_case(me, case_id, need=Permission.EDIT_CASES)
    form = CaseDetailsForm(
        posted(request), members=team_members(case.team), initial=CaseDetailsForm.initial_for(case)
    )
    updated = submit(
        form,
        lambda d: case_actions.update_case(
            actor=me,
            case=case,
            initials=d["initials"],
            age_band=d["age_band"],
            keyworker_ids=d["keyworkers"],
        ),
    )
    if updated is REFUSED:
        case, _history = case_queries.view_case(viewer=me, case=case)
        return page(request, "web/case_edit.html", {"case": case, "form": form})
    messages.success(request, _("The case is updated."))
    return redirect("web:case", case_id=case.pk)
