"""Thinking Together: asking, the shared session screen, the outcome (history, the quick
record and figures are in `thinking_records`).

The session page is one URL whatever the state; what it shows depends on the state and on
who is looking (the help-seeker, the helper or a colleague invited in, or someone asked).
Each button posts to its own view, which calls one action and comes back to the page.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ropeteam.cases import queries as cases
from ropeteam.conversations.access import access_conversation
from ropeteam.core.errors import NotFound
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.thinking import actions, emergency, queries
from ropeteam.thinking.access import access_consultation
from ropeteam.thinking.flow import Circle, Mode, NextStep, State, Step, next_circle
from ropeteam.thinking.models import Consultation
from ropeteam.web import labels, live
from ropeteam.web.decorators import in_team, signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.thinking import (
    AskForm,
    ColleagueForm,
    DeclineForm,
    FacilitatorForm,
    OutcomeForm,
)
from ropeteam.web.views._post import act
from ropeteam.web.views.conversations import read_thread, thread_context
from ropeteam.web.views.render import page, posted, team_members

TIME_BUDGET = timedelta(minutes=10)  # "about ten minutes" (domain/AMBIT.md)


def _next_circle_words(circle: int) -> str | None:
    """Who the next circle reaches, as the help-seeker reads it while waiting."""
    following = next_circle(Circle(circle))
    if following is None:
        return None
    words = {
        Circle.ROPE: _("your rope holders"),
        Circle.TEAM: _("anyone available in the team"),
        Circle.DUTY_LEAD: _("the duty lead"),
    }
    return words.get(following)


# --- asking ---------------------------------------------------------------------------------


def _ask_form(request: HttpRequest, me: User, team: Team) -> AskForm:
    colleagues = [u for u in team_members(team) if u != me]
    # Listing the team's cases is audited (cases.queries.list_cases), so only for those
    # whose role sees cases at all.
    shown = cases.list_cases(viewer=me, team=team) if can(me, team, Permission.VIEW_CASES) else None
    return AskForm(posted(request), members=colleagues, cases=shown)


@in_team()
def ask(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    form = _ask_form(request, me, team)
    if request.method != "POST":
        return page(request, "web/thinking_new.html", {"form": form})
    asked = submit(
        form,
        lambda d: actions.request_help(
            actor=me,
            team=team,
            task=d["task"],
            task_note=d["task_note"],
            urgency=d["urgency"],
            mode=d["mode"],
            ask=actions.Ask(d["ask"], d["named_id"]),
            case_id=d.get("case_id"),
            steadiness=d["steadiness"],
        ),
    )
    if asked is REFUSED:
        return page(request, "web/thinking_new.html", {"form": form})
    return redirect("web:thinking", consultation_id=asked.pk)


# --- the session screen ---------------------------------------------------------------------


def _role(me: User, consultation: Consultation, others: list[User]) -> str:
    if me.pk == consultation.seeker_id:
        return "seeker"
    if me.pk == consultation.helper_id or me in others:
        return "helper"
    return "asked"


def _session_page(
    request: HttpRequest,
    me: User,
    consultation: Consultation,
    **bound: forms.BaseForm,
) -> HttpResponse:
    detail = queries.view_consultation(viewer=me, consultation=consultation)
    role = _role(me, consultation, detail.others)
    in_it = role in {"seeker", "helper"}
    members = team_members(consultation.team)
    people = [consultation.seeker, *([consultation.helper] if consultation.helper else [])]
    people += detail.others
    context: dict[str, Any] = {
        "c": consultation,
        "detail": detail,
        "role": role,
        "in_it": in_it,
        "people": people,
        "my_ask": next((a for a in detail.asked if a.user_id == me.pk), None),
        "asked_names": [a.user.name for a in detail.asked if a.declined_at is None],
        "declined": [a for a in detail.asked if a.declined_at is not None],
        "next_circle": _next_circle_words(consultation.circle),
        "live": {"consultation": consultation.pk, "state": consultation.state},
    }
    if consultation.state == State.REQUESTED and consultation.circle == Circle.DUTY_LEAD:
        context["call_lead"] = queries.who_to_call(consultation)  # nobody has answered yet
    if consultation.state == State.REQUESTED and role == "asked":
        context["decline_form"] = bound.get("decline_form") or DeclineForm(prefix="decline")
    if consultation.state == State.ACTIVE and in_it:
        context.update(
            _under_way(
                me,
                consultation=consultation,
                role=role,
                members=members,
                people=people,
                bound=bound,
            )
        )
    if consultation.next_step == NextStep.EMERGENCY:
        context["emergency"] = emergency.state_of(consultation.pk)
    if detail.followed_by_id is not None:
        context["follow_up_id"] = detail.followed_by_id
    if consultation.state == State.CLOSED and consultation.accepted_at and consultation.finished_at:
        took = consultation.finished_at - consultation.accepted_at
        context["minutes"] = max(1, round(took.total_seconds() / 60))
    return page(request, "web/thinking.html", context)


def _under_way(
    me: User,
    *,
    consultation: Consultation,
    role: str,
    members: list[User],
    people: list[User],
    bound: dict[str, forms.BaseForm],
) -> dict[str, Any]:
    step = Step(consultation.step or Step.MARK)
    started = consultation.accepted_at
    context: dict[str, Any] = {
        "steps": [(s.value, labels.STEP[str(s.value)]) for s in Step],
        "step": step.value,
        "prompts": labels.PROMPTS[(role, step)],
        "next_step": step.value + 1 if step < Step.RETURN else None,
        "earlier_steps": [(s.value, labels.STEP[str(s.value)]) for s in Step if s < step],
        "time_left": live.time_left(started + TIME_BUDGET) if started else "",
        "is_group": len(people) > 2,
    }
    context["live"] = {
        "consultation": consultation.pk,
        "state": consultation.state,
        "step": step.value,
        "started_at": started.isoformat() if started else None,
        "budget_seconds": int(TIME_BUDGET.total_seconds()),
    }
    outsiders = [u for u in members if u not in people]
    if outsiders:
        context["invite_form"] = bound.get("invite_form") or ColleagueForm(
            prefix="invite", members=outsiders
        )
    if len(people) > 2:
        context["facilitator_form"] = bound.get("facilitator_form") or FacilitatorForm(
            prefix="facilitator",
            members=people,
            initial={"facilitator_id": consultation.facilitator_id},
        )
    if role == "seeker" and step == Step.RETURN:
        context["outcome_form"] = bound.get("outcome_form") or OutcomeForm(
            prefix="outcome",
            members=members,
            colleagues=outsiders,
            initial={"action_1_owner": me.pk},
        )
    if consultation.mode == Mode.CHAT and consultation.conversation_id is not None:
        conversation, participant = access_conversation(me, consultation.conversation_id)
        read_thread(me, conversation, participant)
        context["thread"] = thread_context(me, conversation)
    return context


@signed_in
def session(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    return _session_page(request, me, access_consultation(me, consultation_id))


def _back(consultation: Consultation) -> HttpResponse:
    return redirect("web:thinking", consultation_id=consultation.pk)


@require_POST
@signed_in
def accept(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    return act(
        request,
        lambda: actions.accept(actor=me, consultation=consultation),
        back=_back(consultation),
    )


@require_POST
@signed_in
def decline(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    form = DeclineForm(request.POST, prefix="decline")
    done = submit(
        form,
        lambda d: actions.decline(
            actor=me, consultation=consultation, reason=d["reason"], later_at=d["later"]
        ),
    )
    if done is REFUSED:
        return _session_page(request, me, consultation, decline_form=form)
    messages.success(
        request, _("Thank you: %(name)s is told.") % {"name": consultation.seeker.name}
    )
    return redirect("web:home")


@require_POST
@signed_in
def cancel(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    return act(
        request,
        lambda: actions.cancel(actor=me, consultation=consultation),
        back=_back(consultation),
        done=_("Your request is withdrawn."),
    )


@require_POST
@signed_in
def move(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    step = request.POST.get("step", "")
    number = int(step) if step.isdigit() and len(step) == 1 else 0
    return act(
        request,
        lambda: actions.move(actor=me, consultation=consultation, step=number),
        back=_back(consultation),
    )


@require_POST
@signed_in
def invite(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    form = ColleagueForm(request.POST, prefix="invite", members=team_members(consultation.team))
    done = submit(
        form,
        lambda d: actions.invite(
            actor=me, consultation=consultation, colleague_id=d["colleague_id"]
        ),
    )
    if done is REFUSED:
        return _session_page(request, me, consultation, invite_form=form)
    return _back(consultation)


@require_POST
@signed_in
def facilitate(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    form = FacilitatorForm(
        request.POST, prefix="facilitator", members=team_members(consultation.team)
    )
    done = submit(
        form,
        lambda d: actions.facilitate(
            actor=me, consultation=consultation, facilitator_id=d["facilitator_id"]
        ),
    )
    if done is REFUSED:
        return _session_page(request, me, consultation, facilitator_form=form)
    return _back(consultation)


@require_POST
@signed_in
def outcome(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    members = team_members(consultation.team)
    people = queries.in_it_ids(consultation)
    form = OutcomeForm(
        request.POST,
        prefix="outcome",
        members=members,
        colleagues=[u for u in members if u.pk not in people],
    )
    done = submit(
        form,
        lambda d: actions.record_outcome(
            actor=me,
            consultation=consultation,
            met=d["met"],
            next_step=d["next_step"],
            product=d["product"],
            steadiness_after=d["steadiness_after"],
            notes=d["notes"],
            actions=[actions.Agreed(o, w, due) for o, w, due in d["agreed"]],
            invited_ids=d["invited_ids"],
        ),
    )
    if done is REFUSED:
        return _session_page(request, me, consultation, outcome_form=form)
    following = queries.follow_up_of(done)
    if following is not None:
        names = [u.name for u in members if u.pk in set(form.cleaned_data["invited_ids"])]
        messages.success(
            request,
            ngettext(
                "The outcome is recorded. %(names)s is invited: carry on thinking together.",
                "The outcome is recorded. %(names)s are invited: carry on thinking together.",
                len(names),
            )
            % {"names": ", ".join(names)},
        )
        return _back(following)
    messages.success(request, _("The outcome is recorded."))
    return _back(consultation)


@require_POST
@signed_in
def share(request: HttpRequest, me: User, consultation_id: int) -> HttpResponse:
    consultation = access_consultation(me, consultation_id)
    shared = request.POST.get("shared") == "1"
    return act(
        request,
        lambda: actions.share_for_supervision(actor=me, consultation=consultation, shared=shared),
        back=_back(consultation),
        done=_("Shared with the team lead for supervision.")
        if shared
        else _("No longer shared for supervision."),
    )


@require_POST
@signed_in
def action_done(request: HttpRequest, me: User, action_id: int) -> HttpResponse:
    action = queries.get_open_action(me, action_id)
    if action is None:
        raise NotFound(_("No such action."))
    actions.complete_action(actor=me, action=action)
    messages.success(request, _("Done: well held."))
    return redirect("web:home")
