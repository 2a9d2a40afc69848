"""Deadlines of Thinking Together requests, run by the task worker."""

from django_tasks import task

from ropeteam.thinking import actions


@task()
def widen_unanswered(consultation_id: int, from_circle: int) -> bool:
    """Nobody accepted in time: ask the next circle. False when it was already answered."""
    return actions.widen_now(consultation_id=consultation_id, from_circle=from_circle) is not None
