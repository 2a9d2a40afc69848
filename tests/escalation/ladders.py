"""Ladders for testing the engine: they record what fired, once it has committed."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import transaction
from django.test import TestCase

from ropeteam.escalation import engine
from ropeteam.escalation.engine import FiredStep, Ladder
from ropeteam.escalation.flow import Rule
from ropeteam.people.models import Team

MINUTE = timedelta(minutes=1)


class Crash(BaseException):
    """The worker dies mid-batch: not an `Exception`, so no savepoint catches it."""


class Recording(Ladder):
    """Steps 1, 2 and 4 minutes apart, repeating every 5 minutes; a subject may have its own."""

    subject = Team

    def __init__(self, name: str, rule: Rule) -> None:
        self.name = name  # type: ignore[misc]  # one class, several registered names
        self.default = rule
        self.rules: dict[int, Rule] = {}
        self.fired: list[FiredStep] = []
        self.failing: set[tuple[int, int]] = set()  # (subject, position) whose handler raises
        self.crash_after: int | None = None  # fires allowed before the worker "dies"

    def reset(self) -> None:
        self.rules.clear()
        self.fired.clear()
        self.failing.clear()
        self.crash_after = None

    def rule(self, subject_id: int) -> Rule:
        return self.rules.get(subject_id, self.default)

    def fire(self, step: FiredStep) -> None:
        if (step.subject_id, step.position) in self.failing:
            raise RuntimeError("the push service is down")
        if self.crash_after is not None:
            if self.crash_after == 0:
                raise Crash
            self.crash_after -= 1
        # Recorded only if the step's transaction commits: a step rolled back never fired.
        transaction.on_commit(lambda: self.fired.append(step))


STEPS = Recording("test.steps", Rule((MINUTE, 2 * MINUTE, 4 * MINUTE), 5 * MINUTE))
BARE = Recording("test.bare", Rule((), 3 * MINUTE))  # nothing but the repeat
engine.register(STEPS)
engine.register(BARE)


@contextmanager
def committing() -> Iterator[None]:
    """Run the on-commit work of what happens inside (tests run in a transaction)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def run(now: datetime, *, limit: int = 200) -> int:
    """One sweep at `now`, its effects committed."""
    with committing():
        return engine.run_due(now=now, limit=limit)


def drain(now: datetime, *, limit: int = 200) -> int:
    """Sweep until nothing more is due, as the worker does after a busy round."""
    total = 0
    while fired := run(now, limit=limit):
        total += fired
    return total
