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


@task()
def alert(topic: str, kind: str, about_id: int, user_ids: list[int], path: str) -> int:
    """Push or e-mail an alert to each person, once per topic; how many were made."""
    return len(
        actions.alert(topic=topic, kind=kind, about_id=about_id, user_ids=user_ids, path=path)
    )


def alert_later(*, topic: str, kind: str, about_id: int, user_ids: set[int], path: str) -> None:
    """Enqueue an alert in the caller's transaction: it is sent if and only if that commits."""
    if user_ids:
        alert.enqueue(topic, kind, about_id, sorted(user_ids), path)
