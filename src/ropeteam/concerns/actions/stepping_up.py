"""The raiser asks again: the next level, or a second challenge."""

from collections.abc import Callable

from django.db import transaction

from ropeteam.audit.log import record
from ropeteam.concerns import flow
from ropeteam.concerns.actions._common import (
    _alert,
    _entry,
    _locked,
    _refused,
    _schedule,
    _store,
    _tell,
)
from ropeteam.concerns.actions.statement import Statement
from ropeteam.concerns.flow import Refused
from ropeteam.concerns.models import Concern, Entry
from ropeteam.people.models import User


def step_up(*, actor: User, concern: Concern, statement: Statement) -> Concern:
    """The raiser is not satisfied: the next level, with what is said now, keeping the rest."""
    return _press(actor, concern, statement, flow.step_up, Entry.Kind.STEPPED_UP)


def challenge_again(*, actor: User, concern: Concern, statement: Statement) -> Concern:
    """At Challenge, challenge once more: the second challenge takes it to the lead."""
    return _press(actor, concern, statement, flow.challenge_again, Entry.Kind.CHALLENGED)


def _press(
    actor: User,
    concern: Concern,
    statement: Statement,
    move: Callable[..., flow.Concern],
    kind: Entry.Kind,
) -> Concern:
    """The raiser presses on (`move` is the flow's rule for how): locked, checked, written."""
    statement = statement.cleaned(first=False)
    with transaction.atomic():
        row, before = _locked(concern)
        try:
            after = move(before, by=actor.pk)
        except Refused as error:
            raise _refused(error) from None
        return _again(row, before=before, after=after, actor=actor, statement=statement, kind=kind)


def _again(
    row: Concern,
    *,
    before: flow.Concern,
    after: flow.Concern,
    actor: User,
    statement: Statement,
    kind: str,
) -> Concern:
    """A new round: the colleague is asked to respond again, with a new deadline."""
    row.round, row.level = row.round + 1, after.level
    _entry(row, kind, actor, statement)  # what was said, then what it led to
    _store(row, before, after)
    _schedule(row)
    record(
        actor=actor,
        action=f"concerns.{kind}",
        target=row,
        team_id=row.team_id,
        data={"level": after.level.name.lower()},
    )
    _alert(row, "concern_raised", {row.colleague_id}, actor.pk)
    _tell(row, kind)
    return row
