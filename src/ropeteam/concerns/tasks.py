"""Deadlines of concerns, run by the task worker."""

from django_tasks import task

from ropeteam.concerns import actions


@task()
def unanswered(concern_id: int, round_: int) -> str:
    """Not answered in its level's time: re-send it once, then escalate it."""
    return actions.unanswered_now(concern_id=concern_id, round_=round_)
