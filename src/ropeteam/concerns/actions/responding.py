"""The colleague's answer."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.concerns import flow
from ropeteam.concerns.actions._common import MAX_REPLY, _entry, _locked, _refused, _store, _tell
from ropeteam.concerns.flow import LADDER, Refused, Response
from ropeteam.concerns.models import Concern, Entry
from ropeteam.core.errors import Conflict, InvalidInput, parse_choice
from ropeteam.escalation import engine
from ropeteam.people.models import User
from ropeteam.thinking import actions as thinking
from ropeteam.thinking.flow import Task


def respond(*, actor: User, concern: Concern, response: str, text: str = "") -> Concern:
    """The colleague answers: acknowledges with a reply, accepts a Thinking Together (made
    at once and linked), or explains how they see it differently."""
    answer = parse_choice(Response, response, field="response", label=_("response"))
    text = text.strip()
    if len(text) > MAX_REPLY:
        raise InvalidInput(
            _("Keep it short: at most %(n)d characters.") % {"n": MAX_REPLY}, field="text"
        )
    if answer != Response.THINK_TOGETHER and not text:
        raise InvalidInput(_("Write a reply for your colleague."), field="text")
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = flow.respond(before, by=actor.pk, response=answer)
        except Refused as error:
            raise _refused(error) from None
        now = timezone.now()
        if answer == Response.THINK_TOGETHER:
            if row.consultation_id is not None:
                raise Conflict(_("A Thinking Together about this concern has already started."))
            row.consultation = thinking.begin_together(
                team=row.team,
                seeker_id=row.raiser_id,
                helper_id=actor.pk,
                task=Task.UNDERSTANDING,
                case_id=row.case_id,
            )
        _store(row, before, after)
        row.first_response_at = row.first_response_at or now
        row.due_at = None
        row.save()
        # An answer from a human: the chain stops, and says who answered.
        engine.acknowledge(ladder=LADDER, subject_id=row.pk, by=actor)
        _entry(row, Entry.Kind.RESPONDED, actor, response=answer.value, text=text)
        record(
            actor=actor,
            action="concerns.responded",
            target=row,
            team_id=row.team_id,
            data={"response": answer.value},
        )
        _tell(row, "responded")
    return row
