"""Field visits: going out, the visit page (the worker's buttons, the rope holder's alerts),
and the out-of-hours contact's "I'm on it" link. Who's out now and the team's escalation
times are in `visit_board`.

Where a visit is shows only on its own page, to those concerned; never in lists.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ropeteam.cases import queries as cases
from ropeteam.core.errors import Forbidden, NotFound
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
from ropeteam.people import queries as users
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.people.queries import Colleague
from ropeteam.visits import actions, links, queries
from ropeteam.visits.access import access_escalation, access_visit, leads_for
from ropeteam.visits.flow import State, Step
from ropeteam.visits.models import ALARM, Escalation, Visit
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.visits import VisitForm
from ropeteam.web.views._post import REFUSALS, act
from ropeteam.web.views.render import page, posted, team_members

STEP_WORDS = {
    Step.PROMPT_WORKER: gettext_lazy("The worker was asked if they are OK"),
    Step.ROPE_HOLDER: gettext_lazy("The rope holder was alerted"),
    Step.DUTY_LEAD: gettext_lazy("The duty lead was alerted"),
    Step.TEAM_LEAD: gettext_lazy("The team lead and the out-of-hours contact were alerted"),
    ALARM: gettext_lazy("Alarm"),
}
EXTENSIONS = (15, 30)  # the "+N min" buttons


def _names(users: list[User]) -> str:
    names = [u.name for u in users]
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def _minutes(delta: timedelta) -> int:
    return max(1, round(abs(delta.total_seconds()) / 60))


@dataclass
class Timing:
    overdue: bool
    minutes: int


def timing_of(visit: Visit, now: datetime) -> Timing:
    left = visit.expected_end - now
    return Timing(overdue=left.total_seconds() < 0, minutes=_minutes(left))


# --- going out ------------------------------------------------------------------------------


def _visit_form(request: HttpRequest, me: User, team: Team) -> VisitForm:
    colleagues = [u for u in team_members(team) if u != me]
    shown = cases.list_cases(viewer=me, team=team) if can(me, team, Permission.VIEW_CASES) else None
    return VisitForm(posted(request), members=colleagues, cases=shown)


@in_team()
def new(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = _visit_form(request, me, team)
    if request.method != "POST":
        return page(request, "web/visit_new.html", {"form": form})
    started = submit(
        form,
        lambda d: actions.start_visit(
            actor=me,
            team=team,
            location=d["location"],
            expected_end=d["expected_end"],
            rope_holder_id=d["rope_holder_id"],
            case_id=d.get("case_id"),
            note=d["note"],
        ),
    )
    if started is REFUSED:
        return page(request, "web/visit_new.html", {"form": form})
    return redirect("web:visit", visit_id=started.pk)


# --- the visit page -------------------------------------------------------------------------


@dataclass
class Alert:
    escalation: Escalation
    words: str
    told: str
    mine: bool
    taken_by: str  # who said "I'm on it", if anyone


OUT_OF_HOURS_BY_EMAIL = gettext_lazy("the out-of-hours contact (e-mail)")


def taker(escalation: Escalation) -> str:
    """Who said "I'm on it" to an alert ("" while nobody has)."""
    if escalation.acknowledged_by is not None:
        return escalation.acknowledged_by.name
    if escalation.acknowledged_by_out_of_hours_email:
        return str(OUT_OF_HOURS_BY_EMAIL)
    return ""


def _alerts(me: User, visit: Visit) -> list[Alert]:
    escalations = queries.alerts_of(visit)
    ids = {i for e in escalations for i in e.told}
    people = {u.pk: u for u in users.list_users(ids)}
    leads = leads_for(me, visit)  # as `may_take`, read once for every alert
    return [
        Alert(
            escalation=e,
            words=str(STEP_WORDS.get(e.step, "")),
            told=_names([people[i] for i in e.told if i in people]),
            mine=me.pk in e.told or leads,
            taken_by=taker(e),
        )
        for e in escalations
    ]


@dataclass
class News:
    """What the worker on the visit is told about their chain: what has happened (each line
    with its time), who has it, and what they can do now."""

    happened: list[tuple[str, datetime]]
    taken_by: str  # who said "I'm on it" ("" while nobody has)
    taken_at: datetime | None
    call: Colleague | None  # nobody has answered yet: phone them
    out_of_hours: str  # the organisation's contact, once the chain has reached it
    next_at: datetime | None


def _told_words(people: list[User], *, out_of_hours: bool) -> str:
    names = [u.name for u in people] + ([_("the out-of-hours contact")] if out_of_hours else [])
    if len(names) < 2:
        return _("%(names)s has been alerted") % {"names": "".join(names)}
    joined = _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
    return _("%(names)s have been alerted") % {"names": joined}


def _news(visit: Visit, now: datetime) -> News | None:
    """The chain of the current round as the worker should hear it; None before it starts."""
    fired = sorted(
        (e for e in visit.escalations.all() if e.step != ALARM and e.round == visit.round),
        key=lambda e: e.step,
    )
    if not fired:
        return None
    ids = {i for e in fired for i in e.told} - {visit.worker_id}
    names = {u.pk: u for u in users.list_users(ids)}
    happened: list[tuple[str, datetime]] = []
    for e in fired:
        if e.step == Step.PROMPT_WORKER:
            happened.append((_("You were asked if you are OK"), e.fired_at))
            continue
        reached = e.step == Step.TEAM_LEAD and bool(e.out_of_hours or "email" in e.channels)
        told = [names[i] for i in e.told if i in names]
        happened.append((_told_words(told, out_of_hours=reached), e.fired_at))
        if e.alerted_again_at is not None:
            happened.append((_("Everyone has been alerted again"), e.alerted_again_at))
    chain = queries.chain_of(visit)
    taken = chain is not None and chain.state == ChainState.ACKNOWLEDGED
    asked_others = fired[-1].step > Step.PROMPT_WORKER
    top = fired[-1].step == Step.TEAM_LEAD
    return News(
        happened=happened,
        taken_by=_chain_taker(chain) if taken and chain is not None else "",
        taken_at=chain.acknowledged_at if taken and chain is not None else None,
        call=queries.who_to_call(visit, now) if asked_others and not taken else None,
        out_of_hours=visit.team.organisation.out_of_hours_contact if top and not taken else "",
        next_at=None if taken else queries.next_alert_at(visit),
    )


def _chain_taker(chain: Chain) -> str:
    """Who acknowledged the chain: a person, or else the out-of-hours contact by e-mail
    (the only human who acknowledges without an account)."""
    if chain.acknowledged_by is not None:
        return chain.acknowledged_by.name
    return str(OUT_OF_HOURS_BY_EMAIL)


@signed_in
def detail(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    visit = queries.view_visit(viewer=me, visit=access_visit(me, visit_id))
    alerts = _alerts(me, visit)
    alarm = next((a for a in alerts if a.escalation.step == ALARM), None)
    ended = visit.state == State.ENDED
    role = (
        "worker"
        if me.pk == visit.worker_id
        else "rope_holder"
        if me.pk == visit.rope_holder_id
        else "other"
    )
    context: dict[str, Any] = {
        "v": visit,
        "role": role,
        "timing": timing_of(visit, timezone.now()),
        "alerts": [a for a in alerts if a.escalation.step != ALARM or role != "worker"],
        "alarm": alarm,
        "ended": ended,
        "awaiting": visit.state == State.AWAITING_ROPE,
        "extensions": EXTENSIONS,
        "live": {"visit": visit.pk, "state": visit.state},
        "news": _news(visit, timezone.now()) if role == "worker" and not ended else None,
        # Whom the rope can pass to: the team, but not the worker or who holds it now.
        "colleagues": [
            u
            for u in team_members(visit.team)
            if u.pk not in (visit.worker_id, visit.rope_holder_id)
        ],
    }
    return page(request, "web/visit.html", context)


def _back(visit: Visit) -> HttpResponse:
    return redirect("web:visit", visit_id=visit.pk)


@require_POST
@signed_in
def hold(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    visit = access_visit(me, visit_id)
    return act(
        request,
        lambda: actions.hold_rope(actor=me, visit=visit),
        back=_back(visit),
        done=_("You hold %(name)s's rope.") % {"name": visit.worker.name},
    )


@require_POST
@signed_in
def hand_over(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    """The rope passes to a colleague (my shift ends, say), who must accept it."""
    visit = access_visit(me, visit_id)
    to_id = request.POST.get("to", "")
    if not to_id.isdigit() or len(to_id) > 18:
        messages.error(request, _("Choose the colleague who takes the rope."))
        return _back(visit)
    return act(
        request,
        lambda: actions.hand_over(actor=me, visit=visit, to_id=int(to_id)),
        back=_back(visit),
        done=_("The rope is passed on: they have been asked to accept it."),
        # The colleague is chosen from a list: one who left or is not in the team is
        # refused here, on the visit page, not as a 404 page about the visit.
        refusals=(*REFUSALS, Forbidden, NotFound),
    )


@require_POST
@signed_in
def check_in(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    visit = access_visit(me, visit_id)
    return act(
        request,
        lambda: actions.check_in(actor=me, visit=visit),
        back=_back(visit),
        done=_("Your rope holder can see you are OK."),
    )


@require_POST
@signed_in
def extend(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    visit = access_visit(me, visit_id)
    given = request.POST.get("minutes", "")
    minutes = int(given) if given.isdigit() and len(given) <= 3 else 0
    return act(
        request,
        lambda: actions.extend(actor=me, visit=visit, minutes=minutes),
        back=_back(visit),
        done=_("Extended by %(n)s minutes.") % {"n": minutes},
    )


@require_POST
@signed_in
def end(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    visit = access_visit(me, visit_id)
    return act(
        request,
        lambda: actions.end_visit(actor=me, visit=visit),
        back=_back(visit),
        done=_("Safe, done: your rope holder is told."),
    )


@require_POST
@signed_in
def alarm(request: HttpRequest, me: User, visit_id: int) -> HttpResponse:
    """The big button; sending it again (a phone back from a dead zone) is the same alarm."""
    visit = access_visit(me, visit_id)
    return act(
        request,
        lambda: actions.raise_alarm(actor=me, visit=visit),
        back=_back(visit),
        done=lambda raised: _alarm_words(users.list_users(raised.told)),
    )


def _alarm_words(told: list[User]) -> str:
    if not told:
        return _("Alarm sent.")
    return _("Alarm sent: %(names)s alerted.") % {"names": _names(told)}


@require_POST
@signed_in
def acknowledge(request: HttpRequest, me: User, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(me, escalation_id)
    return act(
        request,
        lambda: actions.acknowledge(actor=me, escalation=escalation),
        back=redirect("web:visit", visit_id=escalation.visit_id),
        done=_("You are on it: the others are told."),
    )


@require_POST
@signed_in
def resolve(request: HttpRequest, me: User, escalation_id: int) -> HttpResponse:
    escalation = access_escalation(me, escalation_id)
    outcome = request.POST.get("outcome", "")
    return act(
        request,
        lambda: actions.resolve(actor=me, escalation=escalation, outcome=outcome),
        back=redirect("web:visit", visit_id=escalation.visit_id),
        done=_("What happened is recorded."),
    )


# --- the out-of-hours contact's "I'm on it" link (no account, no sign-in) ------------------


def _on_it_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, "web/visit_on_it.html", context, status=status)
    # The token is in the address: keep it out of other sites' logs, caches and indexes.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def on_it(request: HttpRequest, visit_id: int, token: str) -> HttpResponse:
    """GET shows who is overdue (or raised the alarm) and since when, with one Confirm
    button; only the POST acknowledges, so a mail scanner that follows links does not."""
    try:
        if request.method == "POST":
            taken = actions.acknowledge_by_link(visit_id=visit_id, token=token)
            return _on_it_page(request, {"escalation": taken, "done": True})
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET", "POST"])
        found = links.access_escalation_by_link(visit_id, token)
    except links.LinkRefused as refusal:
        return _on_it_page(request, {"refused": refusal.message}, status=refusal.status)
    return _on_it_page(request, {"escalation": found, "done": False})
