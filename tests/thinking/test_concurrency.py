"""Many helpers accepting one request at the same moment: exactly one becomes the helper.

Real threads with their own connections, committing for real: PostgreSQL only, like
tests/conversations/test_concurrency.py (which says why); CI runs it.
"""

from collections.abc import Callable

import pytest
from django.db import connection

from ropeteam.core.errors import Conflict
from ropeteam.people import actions as people
from ropeteam.people.models import User
from ropeteam.thinking import actions
from ropeteam.thinking.actions import Ask
from ropeteam.thinking.flow import State
from ropeteam.thinking.models import Consultation, StepChange
from tests.conftest import World
from tests.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL only (CI runs it): see tests/conversations/test_concurrency.py",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_of_many_helpers_accepting_at_once_exactly_one_wins(world: World) -> None:
    helpers = [world.priya, world.morgan, world.jo, world.alex, world.dee]
    for helper in helpers:
        people.set_availability(actor=helper, status="available")
    consultation = actions.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        urgency="now",
        mode="chat",
        ask=Ask("team"),
    )

    def accept(helper: User) -> Callable[[], str]:
        def go() -> str:
            me = User.objects.get(pk=helper.pk)
            row = Consultation.objects.get(pk=consultation.pk)
            try:
                actions.accept(actor=me, consultation=row)
            except Conflict:
                return "told it is taken"
            return "helper"

        return go

    outcomes = run_together([accept(h) for h in helpers])
    assert sorted(outcomes) == ["helper"] + ["told it is taken"] * (len(helpers) - 1)
    row = Consultation.objects.get(pk=consultation.pk)
    assert row.state == State.ACTIVE
    assert row.helper_id in {h.pk for h in helpers}
    assert StepChange.objects.filter(consultation=row).count() == 1
