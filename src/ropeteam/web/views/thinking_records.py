"""Thinking Together looked back on: my history, a quick record of one held without the
app, and the team's figures and agenda for the lead."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.thinking import actions, queries
from ropeteam.thinking.access import access_agenda_item
from ropeteam.thinking.flow import AgendaKind
from ropeteam.web import labels
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.thinking import QuickRecordForm
from ropeteam.web.views.render import page, posted, team_members


@in_team()
def history(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    rows = []
    for consultation in queries.history(me, team)[:200]:
        if consultation.seeker_id == me.pk:
            other = consultation.helper.name if consultation.helper else ""
        else:
            other = consultation.seeker.name
        rows.append({"c": consultation, "with": other, "sought": consultation.seeker_id == me.pk})
    context = {"rows": rows, "can_view_activity": can(me, team, Permission.VIEW_ACTIVITY)}
    return page(request, "web/thinking_history.html", context)


@in_team()
def quick(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    colleagues = [u for u in team_members(team) if u != me]
    form = QuickRecordForm(posted(request), members=colleagues)
    if request.method != "POST":
        return page(request, "web/thinking_quick.html", {"form": form})
    recorded = submit(
        form,
        lambda d: actions.quick_record(
            actor=me,
            team=team,
            helper_id=d["helper_id"],
            task=d["task"],
            mode=d["mode"],
            met=d["met"],
            next_step=d["next_step"],
            steadiness_before=d["steadiness_before"],
            steadiness_after=d["steadiness_after"],
            notes=d["notes"],
            happened_at=d["happened_at"],
        ),
    )
    if recorded is REFUSED:
        return page(request, "web/thinking_quick.html", {"form": form})
    messages.success(request, _("Recorded."))
    return redirect(reverse("web:thinking", args=[recorded.pk]))


@in_team(Permission.VIEW_ACTIVITY)
def activity(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    figures = queries.activity(team)
    median = figures.median_response_seconds
    context = {
        "figures": figures,
        "median_minutes": None if median is None else round(median / 60, 1),
        "change": figures.mean_steadiness_change,
        "by_mode": [(labels.MODE.get(k, k), n) for k, n in figures.by_mode.items()],
        "by_met": [(labels.MET.get(k, k), n) for k, n in figures.by_met.items()],
        "by_next_step": [(labels.NEXT_STEP.get(k, k), n) for k, n in figures.by_next_step.items()],
        "for_supervision": queries.agenda(me, team, kind=AgendaKind.SUPERVISION),
        "for_team_meeting": queries.agenda(me, team, kind=AgendaKind.TEAM_MEETING),
    }
    return page(request, "web/thinking_activity.html", context)


@require_POST
@signed_in
def agenda_taken(request: HttpRequest, me: User, item_id: int) -> HttpResponse:
    """The lead took an item to supervision or the team meeting: it leaves the list."""
    actions.mark_taken(actor=me, item=access_agenda_item(me, item_id))
    messages.success(request, _("Marked as taken."))
    return redirect(reverse("web:thinking_activity") + "#agenda")
