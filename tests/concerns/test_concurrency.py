"""A concern's deadline swept by several workers at once, and an answer racing it: the
escalation engine's claim and the concern's row lock let exactly one change through.

Real threads with their own connections, committing for real: PostgreSQL only, like
tests/conversations/test_concurrency.py (which says why); CI runs it.
"""

from datetime import datetime

import pytest
from django.db import connection

from ropeteam.concerns import actions
from ropeteam.concerns.flow import State
from ropeteam.concerns.models import Concern, Entry
from ropeteam.core.errors import Conflict
from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
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


def _overdue(world: World) -> tuple[Concern, datetime]:
    """A probe, and the moment its re-send is due (the workers' clock)."""
    concern = actions.raise_concern(
        actor=world.alex,
        team=world.northside,
        colleague_id=world.morgan.pk,
        level="probe",
        statement=SAID,
    )
    assert concern.due_at is not None
    return concern, concern.due_at


@pytest.mark.hazard("H1")
def test_a_deadline_run_by_five_workers_at_once_resends_once(world: World) -> None:
    concern, due = _overdue(world)

    def run() -> int:
        return engine.run_due(now=due)

    outcomes = run_together([run] * 5)
    assert sorted(outcomes) == [0] * 4 + [1]
    assert Entry.objects.filter(concern=concern, kind=Entry.Kind.RESENT).count() == 1
    chain = Chain.objects.get(ladder=actions.LADDER, subject_id=concern.pk)
    assert list(chain.steps.order_by("position").values_list("state", flat=True)) == [
        "fired",
        "pending",
    ]


@pytest.mark.hazard("H1")
def test_an_answer_racing_the_deadline_either_comes_first_or_after_the_resend(
    world: World,
) -> None:
    concern, due = _overdue(world)

    def answer() -> str:
        me = User.objects.get(pk=world.morgan.pk)
        row = Concern.objects.get(pk=concern.pk)
        try:
            actions.respond(actor=me, concern=row, response="acknowledge", text="Yes")
        except Conflict:
            return "refused"
        return "answered"

    def deadline() -> str:
        return "resent" if engine.run_due(now=due) else "nothing"

    outcomes = run_together([answer, deadline])
    row = Concern.objects.get(pk=concern.pk)
    kinds = list(row.entries.values_list("kind", flat=True))
    assert outcomes[0] == "answered"
    assert row.state == State.RESPONDED
    assert row.due_at is None
    # Whichever took the lock first, the record tells it in that order and nothing is lost.
    assert kinds in (["raised", "responded"], ["raised", "resent", "responded"])
    assert (outcomes[1] == "resent") == ("resent" in kinds)
    # Answered: the chain stops, whichever came first, and says who answered.
    chain = Chain.objects.get(ladder=actions.LADDER, subject_id=concern.pk)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, world.morgan.pk)
    assert engine.run_due(now=due.replace(year=due.year + 1)) == 0
