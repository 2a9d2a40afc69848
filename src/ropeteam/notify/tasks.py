"""Deadlines of notify, run by the task worker."""

from datetime import datetime

from django_tasks import task

from ropeteam.notify import actions


@task()
def notify_unread(messages: list[list[int]]) -> int:
    """Tell whoever has still not read these messages; returns how many deliveries it made.

    Idempotent: a second run (a retry, a duplicate) finds the deliveries of the first. Someone
    in their quiet hours is looked at again when the earliest of those ends.
    """
    batch = [(conversation, seq, sender) for conversation, seq, sender in messages]
    held: dict[int, datetime] = {}
    made = actions.notify_unread(messages=batch, hold=held.__setitem__)
    if held:
        notify_unread.using(run_after=min(held.values())).enqueue(messages)
    return len(made)


@task()
def alert(topic: str, kind: str, about_id: int, user_ids: list[int], path: str) -> int:
    """Push or e-mail an alert to each person, once per topic; how many were made.

    A routine alert held for someone's quiet hours is enqueued again, for them alone, when
    those end.
    """
    held: dict[int, datetime] = {}
    made = actions.alert(
        topic=topic,
        kind=kind,
        about_id=about_id,
        user_ids=user_ids,
        path=path,
        hold=held.__setitem__,
    )
    if held:
        alert.using(run_after=min(held.values())).enqueue(topic, kind, about_id, sorted(held), path)
    return len(made)


def alert_later(*, topic: str, kind: str, about_id: int, user_ids: set[int], path: str) -> None:
    """Enqueue an alert in the caller's transaction: it is sent if and only if that commits."""
    if user_ids:
        alert.enqueue(topic, kind, about_id, sorted(user_ids), path)


@task()
def alert_address(kind: str, about_id: int, to: str, path: str, why: str) -> str:
    """E-mail an alert to an address that is nobody's account; the state of the sending."""
    return actions.alert_address(kind=kind, about_id=about_id, to=to, path=path, why=why)


def alert_address_later(*, kind: str, about_id: int, to: str, path: str, why: str) -> None:
    """Enqueue that e-mail in the caller's transaction: sent if and only if that commits."""
    if to:
        alert_address.enqueue(kind, about_id, to, path, why)
