"""Who's out now, and the team's escalation times: the visits pages about the team.

Where a visit is never shows here: the board says who is out and until when.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ropeteam.core.errors import Forbidden
from ropeteam.people.access import can
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User
from ropeteam.visits import actions, queries
from ropeteam.visits.flow import DEFAULT_CHAIN, Step
from ropeteam.visits.models import ALARM, Visit
from ropeteam.web.decorators import in_team
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.visits import ChainForm
from ropeteam.web.views.concerns import duration_words
from ropeteam.web.views.render import page, posted
from ropeteam.web.views.visits import STEP_WORDS, Timing, taker, timing_of

# The escalation times page says what will happen; the visit pages say what has happened.
WILL_HAPPEN = {
    Step.PROMPT_WORKER: gettext_lazy("The worker will be asked if they are OK"),
    Step.ROPE_HOLDER: gettext_lazy("The rope holder will be alerted"),
    Step.DUTY_LEAD: gettext_lazy("The duty lead will be alerted"),
    Step.TEAM_LEAD: gettext_lazy("The team lead and the out-of-hours contact will be alerted"),
}


@dataclass
class Row:
    v: Visit
    timing: Timing
    last: str
    acknowledged_by: str
    alarm: bool


def _row(visit: Visit, now: datetime) -> Row:
    fired = sorted(
        (e for e in visit.escalations.all() if e.step != ALARM and e.round == visit.round),
        key=lambda e: e.step,
    )
    last = fired[-1] if fired else None
    names = {taker(e) for e in visit.escalations.all()} - {""}
    return Row(
        v=visit,
        timing=timing_of(visit, now),
        last=str(STEP_WORDS[last.step]) if last else "",
        acknowledged_by=", ".join(sorted(names)),
        alarm=visit.alarm_at is not None,
    )


@in_team()
def board(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    now = timezone.now()
    visits = queries.board(me, team)
    rows = [_row(v, now) for v in visits[:500]]
    rows.sort(key=lambda r: (not r.timing.overdue, r.v.expected_end))
    context = {"rows": rows, "live": {"board": True}}
    return page(request, "web/visits.html", context)


# --- the escalation chain -------------------------------------------------------------------


def _after(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds == 0:
        return _("at the expected end")
    if seconds % 60:
        return ngettext("%(n)d second after", "%(n)d seconds after", seconds) % {"n": seconds}
    minutes = seconds // 60
    return ngettext("%(n)d minute after", "%(n)d minutes after", minutes) % {"n": minutes}


def _in_minutes(chain: dict[Step, timedelta]) -> dict[str, int]:
    return {s.name.lower(): int(chain[s].total_seconds() // 60) for s in Step}


@in_team()
def chain(request: HttpRequest, me: User, team: Team) -> HttpResponse:
    may_edit = can(me, team, Permission.EDIT_SETTINGS)
    if request.method == "POST" and not may_edit:
        raise Forbidden(_("Only a team lead can change the escalation times."))
    current = actions.chain_for(team)
    form = ChainForm(posted(request), initial=_in_minutes(current)) if may_edit else None
    context: dict[str, Any] = {
        "form": form,
        "current": [(WILL_HAPPEN[s], _after(current[s]), _after(DEFAULT_CHAIN[s])) for s in Step],
        "repeat_every": duration_words(settings.VISIT_REPEAT_SECONDS),
    }
    if form is None or request.method != "POST":
        return page(request, "web/visit_chain.html", context)
    saved = submit(
        form,
        lambda d: actions.set_chain(
            actor=me, team=team, chain={s: timedelta(minutes=d[s.name.lower()]) for s in Step}
        ),
    )
    if saved is REFUSED:
        return page(request, "web/visit_chain.html", context)
    messages.success(request, _("The escalation times are saved."))
    return redirect("web:visit_chain")
