"""Concerns: raising one with a colleague, the concern page by role, my concerns, and the
team lead's figures and times.

A concern is between the two people until it is escalated. Its page and every button on it
answer someone else exactly as a concern that does not exist (concerns.access), and no page
lists anyone else's concerns: the lead sees figures, never names.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ropeteam.cases import queries as cases
from ropeteam.concerns import actions, queries
from ropeteam.concerns.access import access_concern
from ropeteam.concerns.flow import Level, State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.conversations.access import access_conversation
from ropeteam.core.errors import Forbidden, NotFound
from ropeteam.people import queries as people
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.web import labels
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.concerns import (
    RaiseForm,
    ResolveForm,
    RespondForm,
    StatementForm,
    TimesForm,
)
from ropeteam.web.views.conversations import read_thread, thread_context
from ropeteam.web.views.render import page, posted, team_members


def duration_words(seconds: float) -> str:
    """A time as people say it: "24 hours", "90 minutes", "4 seconds"."""
    n = round(seconds)
    if n >= 86400 and n % 86400 == 0:
        return ngettext("%(n)d day", "%(n)d days", n // 86400) % {"n": n // 86400}
    if n >= 3600 and n % 3600 == 0:
        return ngettext("%(n)d hour", "%(n)d hours", n // 3600) % {"n": n // 3600}
    if n >= 60 and n % 60 == 0:
        return ngettext("%(n)d minute", "%(n)d minutes", n // 60) % {"n": n // 60}
    return ngettext("%(n)d second", "%(n)d seconds", n) % {"n": n}


def about(seconds: float) -> str:
    """A measured time, rounded as people read it: "about 12 minutes", "about 3 hours"."""
    if seconds < 3600:
        rounded = max(60, round(seconds / 60) * 60)
    elif seconds < 2 * 86400:
        rounded = round(seconds / 3600) * 3600
    else:
        rounded = round(seconds / 86400) * 86400
    return _("about %(time)s") % {"time": duration_words(rounded)}


def _times(team: Team) -> list[tuple[str, str]]:
    """Each level with its time to answer in this team."""
    within = actions.times(team)
    return [
        (str(labels.LEVEL[str(lv.value)]), duration_words(within[lv].total_seconds()))
        for lv in Level
    ]


# --- my concerns ---------------------------------------------------------------------------


def _row(me: User, concern: Concern) -> dict[str, Any]:
    if concern.raiser_id == me.pk:
        mine = "raised"
    elif concern.colleague_id == me.pk:
        mine = "received"
    else:
        mine = "escalated"
    return {"c": concern, "mine": mine}


@in_team()
def mine(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    context = {
        "rows": [_row(me, c) for c in queries.mine(me)[:200]],
        "can_view_activity": can(me, team, Permission.VIEW_ACTIVITY),
        "live": {"list": True},
    }
    return page(request, "web/concerns.html", context)


# --- raising one ---------------------------------------------------------------------------


def _raise_form(request: HttpRequest, me: User, team: Team) -> RaiseForm:
    colleagues = [u for u in team_members(team) if u != me]
    # Listing the team's cases is audited, so only for those whose role sees cases at all.
    shown = cases.list_cases(viewer=me, team=team) if can(me, team, Permission.VIEW_CASES) else None
    return RaiseForm(posted(request), members=colleagues, cases=shown)


@in_team()
def new(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = _raise_form(request, me, team)
    context = {"form": form, "times": _times(team)}
    if request.method != "POST":
        return page(request, "web/concern_new.html", context)
    raised = submit(
        form,
        lambda d: actions.raise_concern(
            actor=me,
            team=team,
            colleague_id=d["colleague_id"],
            level=d["level"],
            statement=actions.Statement(d["noticed"], d["matters"], d["suggest"], d["asking"]),
            case_id=d.get("case_id"),
        ),
    )
    if raised is REFUSED:
        return page(request, "web/concern_new.html", context)
    messages.success(
        request,
        _("Raised with %(name)s. Only the two of you can see it.")
        % {"name": raised.colleague.name},
    )
    return redirect("web:concern", concern_id=raised.pk)


# --- the concern ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One entry of the exchange, with who took it as the reader says it."""

    entry: Entry
    who: str


def _role(me: User, concern: Concern) -> str:
    if me.pk == concern.raiser_id:
        return "raiser"
    if me.pk == concern.colleague_id:
        return "colleague"
    return "escalated_to"


def _thread(me: User, concern: Concern) -> dict[str, Any] | None:
    """The concern's chat, for those taking part in it (whoever it went to outside the team
    is not: they read the exchange only)."""
    try:
        conversation, participant = access_conversation(me, concern.conversation_id)
    except NotFound:
        return None
    read_thread(me, conversation, participant)
    return thread_context(me, conversation)


def _forms(
    role: str, concern: Concern, chase: queries.Chase | None, bound: dict[str, forms.BaseForm]
) -> dict[str, forms.BaseForm]:
    """The forms this person may use now; a form sent back with errors stays as it was."""
    shown: dict[str, forms.BaseForm] = {}
    if concern.state == State.RESOLVED:
        return bound
    if role == "escalated_to" and chase is not None and chase.is_open:
        shown["take_form"] = forms.Form(prefix="take")
    if role == "colleague" and concern.state == State.RAISED:
        shown["respond_form"] = RespondForm(prefix="respond")
    if role == "raiser":
        if concern.level < Level.ESCALATE:
            shown["step_form"] = StatementForm(prefix="step")
        if concern.level == Level.CHALLENGE:
            shown["challenge_form"] = StatementForm(prefix="challenge")
        shown["resolve_form"] = ResolveForm(prefix="resolve")
    return {**shown, **bound}


def _concern_page(
    request: HttpRequest, me: User, concern: Concern, **bound: forms.BaseForm
) -> HttpResponse:
    detail = queries.view_concern(viewer=me, concern=concern)
    role = _role(me, concern)
    chase = queries.chase_of(concern)
    context: dict[str, Any] = {
        "c": concern,
        "turns": [
            Turn(e, _("You") if e.by_id == me.pk else (e.by.name if e.by else ""))
            for e in detail.entries
        ],
        "role": role,
        "other": concern.colleague if role == "raiser" else concern.raiser,
        "waiting": concern.state == State.RAISED,
        "next_level": Level(concern.level) + 1 if concern.level < Level.ESCALATE else None,
        "chase": chase,
        "thread": _thread(me, concern),
        "live": {"concern": concern.pk, "state": concern.state, "level": concern.level},
        **_forms(role, concern, chase, bound),
    }
    return page(request, "web/concern.html", context)


@signed_in
def detail(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _concern_page(request, me, access_concern(me, concern_id))


def _back(concern: Concern) -> HttpResponse:
    return redirect("web:concern", concern_id=concern.pk)


def _post(
    request: HttpRequest,
    me: User,
    concern_id: int,
    *,
    form_class: type[forms.Form],
    prefix: str,
    act: Callable[[Concern, forms.Form], Concern],
    said: Callable[[Concern], str],
) -> HttpResponse:
    """One of the concern page's forms: act on it, or show the page again with the refusal
    (read afresh, as the refusal may be news)."""
    concern = access_concern(me, concern_id)
    form = form_class(request.POST, prefix=prefix)
    done = submit(form, lambda _d: act(concern, form))
    if done is REFUSED:
        bound = {f"{prefix}_form": form}
        return _concern_page(request, me, access_concern(me, concern.pk), **bound)
    messages.success(request, said(done))
    return _back(concern)


def _statement(form: forms.Form) -> actions.Statement:
    d = form.cleaned_data
    return actions.Statement(d["noticed"], d["matters"], d["suggest"], d["asking"])


@require_POST
@signed_in
def respond(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _post(
        request,
        me,
        concern_id,
        form_class=RespondForm,
        prefix="respond",
        act=lambda c, f: actions.respond(
            actor=me, concern=c, response=f.cleaned_data["response"], text=f.cleaned_data["text"]
        ),
        said=lambda c: _("Thank you: %(name)s is told.") % {"name": c.raiser.name},
    )


@require_POST
@signed_in
def step_up(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _post(
        request,
        me,
        concern_id,
        form_class=StatementForm,
        prefix="step",
        act=lambda c, f: actions.step_up(actor=me, concern=c, statement=_statement(f)),
        said=lambda c: _("Stepped up to %(level)s.") % {"level": labels.LEVEL[str(c.level)]},
    )


@require_POST
@signed_in
def challenge(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _post(
        request,
        me,
        concern_id,
        form_class=StatementForm,
        prefix="challenge",
        act=lambda c, f: actions.challenge_again(actor=me, concern=c, statement=_statement(f)),
        said=lambda _c: _("Challenged again."),
    )


@require_POST
@signed_in
def take_on(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _post(
        request,
        me,
        concern_id,
        form_class=forms.Form,
        prefix="take",
        act=lambda c, _f: actions.take_on(actor=me, concern=c),
        said=lambda c: _("Thank you: %(name)s is told you are on it.") % {"name": c.raiser.name},
    )


@require_POST
@signed_in
def resolve(request: HttpRequest, me: User, concern_id: int) -> HttpResponse:
    return _post(
        request,
        me,
        concern_id,
        form_class=ResolveForm,
        prefix="resolve",
        act=lambda c, f: actions.resolve(
            actor=me,
            concern=c,
            resolution=f.cleaned_data["resolution"],
            text=f.cleaned_data["text"],
        ),
        said=lambda _c: _("How it ended is recorded."),
    )


# --- the team lead's figures and times -----------------------------------------------------


@in_team(Permission.VIEW_ACTIVITY)
def activity(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    figures = queries.activity(team)
    median = figures.median_response_seconds
    context = {
        "figures": figures,
        "by_level": [
            (labels.LEVEL[str(Level[f.key.upper()].value)], f.count) for f in figures.by_level
        ],
        "by_direction": [(labels.DIRECTION[f.key], f.count) for f in figures.by_direction],
        "median": None if median is None else about(median),
    }
    return page(request, "web/concern_activity.html", context)


@in_team()
def times(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    """Everyone in the team may read the times; only a team lead changes them."""
    may_edit = can(me, team, Permission.EDIT_SETTINGS)
    if request.method == "POST" and not may_edit:
        raise Forbidden(_("Only a team lead can change the times to answer a concern."))
    within = actions.times(team)
    next_up = actions.next_up_id(team)
    form = None
    if may_edit:
        initial: dict[str, Any] = {lv.name.lower(): within[lv] for lv in Level}
        initial["next_up_id"] = next_up
        form = TimesForm(posted(request), people=actions.next_up_choices(team), initial=initial)
    context: dict[str, Any] = {
        "form": form,
        "current": [
            (
                labels.LEVEL[str(lv.value)],
                duration_words(within[lv].total_seconds()),
                duration_words(actions.DEFAULT_TIMES[lv].total_seconds()),
            )
            for lv in Level
        ],
        "next_up": next(iter(people.list_users([next_up])), None) if next_up else None,
    }
    if form is None or request.method != "POST":
        return page(request, "web/concern_times.html", context)
    saved = submit(
        form,
        lambda d: actions.set_times(
            actor=me,
            team=team,
            answer_within={lv: d[lv.name.lower()] for lv in Level},
            next_up_id=d["next_up_id"],
        ),
    )
    if saved is REFUSED:
        return page(request, "web/concern_times.html", context)
    messages.success(request, _("The times to answer are saved."))
    return redirect("web:concern_times")
