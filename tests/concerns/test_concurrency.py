"""A deadline that runs on several workers at once, and an answer racing the deadline: the
concern's row lock lets exactly one change through.

Real threads with their own connections, committing for real: PostgreSQL only, like
tests/conversations/test_concurrency.py (which says why); CI runs it.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ropeteam.concerns import actions
from ropeteam.concerns.flow import State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.core.errors import Conflict
from ropeteam.people.models import User
from tests.concerns.test_actions import SAID
from tests.conftest import World
from tests.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only (CI runs it): see tests/conversations/test_concurrency.py",
    ),
    pytest.mark.django_db(transaction=True),
]


def _overdue(world: World) -> Concern:
    concern = actions.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=SAID,
    )
    Concern.objects.filter(pk=concern.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    return concern


def test_a_deadline_run_by_five_workers_at_once_resends_once(world: World) -> None:
    concern = _overdue(world)

    def run() -> str:
        return actions.unanswered_now(concern_id=concern.pk, round_=1) or "nothing"

    outcomes = run_together([run] * 5)
    assert sorted(outcomes) == ["nothing"] * 4 + ["resent"]
    assert Entry.objects.filter(concern=concern, kind=Entry.Kind.RESENT).count() == 1


def test_an_answer_racing_the_deadline_either_comes_first_or_after_the_resend(
    world: World,
) -> None:
    concern = _overdue(world)

    def answer() -> str:
        me = User.objects.get(pk=world.morgan.pk)
        row = Concern.objects.get(pk=concern.pk)
        try:
            actions.respond(actor=me, concern=row, response="acknowledge", text="Yes")
        except Conflict:
            return "refused"
        return "answered"

    def deadline() -> str:
        return actions.unanswered_now(concern_id=concern.pk, round_=1) or "nothing"

    outcomes = run_together([answer, deadline])
    row = Concern.objects.get(pk=concern.pk)
    kinds = list(row.entries.values_list("kind", flat=True))
    assert outcomes[0] == "answered"
    assert row.state == State.RESPONDED
    assert row.due_at is None
    # Whichever took the lock first, the record tells it in that order and nothing is lost.
    assert kinds in (["raised", "responded"], ["raised", "resent", "responded"])
    assert (outcomes[1] == "resent") == ("resent" in kinds)
