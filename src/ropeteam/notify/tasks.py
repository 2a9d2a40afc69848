"""Deadlines of notify, run by the task worker."""

from django_tasks import task

from ropeteam.notify import actions


@task()
def notify_unread(messages: list[list[int]]) -> int:
    """Tell whoever has still not read these messages; returns how many deliveries it made.

    Idempotent: a second run (a retry, a duplicate) finds the deliveries of the first.
    """
    batch = [(conversation, seq, sender) for conversation, seq, sender in messages]
    return len(actions.notify_unread(messages=batch))
