"""Ending a person's sessions, tokens and sockets when their password or account changes.

A session is valid while the hash stored in it matches the person's (`User.
_get_session_auth_hash`: the password hash and `session_epoch`): a new password ends every
other session by itself, and raising the epoch ends them all. API tokens are deleted, not
suspended, so restoring an account brings back nothing. Open sockets are closed by an
`AccessNarrowed` event once the change commits; a device whose session still stands
reconnects and is authorised afresh.

Each session is also listed as a `SignedInSession` (for "My devices", since Django's store
cannot find a person's sessions), by the hash of its key; ending one session deletes it from
the store and closes only its sockets (`SessionEnded`).
"""

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.module_loading import import_string

from ropeteam.audit.log import record
from ropeteam.people import queries
from ropeteam.people.events import AccessNarrowed, SessionEnded
from ropeteam.people.flow import coarse_address
from ropeteam.people.models import AccessToken, SignedInSession, User
from ropeteam.realtime.conn import session_tag
from ropeteam.realtime.publish import publish_on_commit

# Where a session keeps the id of its `SignedInSession`, so the row follows the session when
# Django gives it a new key (signing in again, a new password kept for this device).
DEVICE_KEY = "_ropeteam_device"
# Set in a session at sign-in when an organisation's policy (or an admin's reset) leaves the
# person nothing to do but set up a second factor (web/middleware.py); lifted when they
# have one. The live socket refuses such a session (conversations/live/standing.py).
NEEDS_FACTOR_KEY = "_ropeteam_needs_factor"


def _closed_sockets(user_id: int) -> None:
    publish_on_commit(AccessNarrowed(user_id=user_id))


def _delete_tokens(user: User) -> int:
    deleted, _by_model = AccessToken.objects.filter(user=user).delete()
    return deleted


def end_everything(*, user: User, actor: User | None = None, team_id: int | None = None) -> None:
    """End every session, token and socket of the person (deactivation, "sign out
    everywhere"); call in a transaction."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    ended = _forget_sessions(SignedInSession.objects.filter(user=user))
    record(
        actor=actor,
        action="account.sessions_ended",
        target=user,
        team_id=team_id,
        data={"tokens_deleted": _delete_tokens(user), "sessions_ended": ended},
    )
    _closed_sockets(user.pk)


def _store() -> Any:
    return import_string(settings.SESSION_ENGINE).SessionStore()


def _forget_sessions(rows: QuerySet[SignedInSession]) -> int:
    """Delete these sessions from the session store (found by key prefix, matched by hash)
    and their rows; how many there were. Their sockets are the caller's to close."""
    store, ended = _store(), 0
    for row in rows:
        candidates = Session.objects.filter(session_key__startswith=row.key_prefix)
        for key in candidates.values_list("session_key", flat=True):
            if session_tag(key) == row.key_hash:
                store.delete(key)
        ended += 1
    rows.delete()
    return ended


def end_session(*, row: SignedInSession) -> None:
    """End one session: its store row, its `SignedInSession` and, once committed, its
    sockets; the person's other sessions stay. Call in a transaction."""
    publish_on_commit(SessionEnded(user_id=row.user_id, session=row.key_hash))
    _forget_sessions(SignedInSession.objects.filter(pk=row.pk))


def track(request: Any, user: User) -> None:
    """Record (or, after a new key, move) the request's session as one of the person's."""
    session = request.session
    if session.session_key is None:
        session.save()
    key, now = session.session_key, timezone.now()
    fields = {"key_hash": session_tag(key), "key_prefix": key[:8], "last_seen_at": now}
    moved = SignedInSession.objects.filter(user=user, pk=session.get(DEVICE_KEY, 0))
    if moved.update(**fields):
        return
    standing = queries.signed_in_sessions(user)
    SignedInSession.objects.filter(user=user).exclude(pk__in=standing).delete()
    meta = request.META
    row = SignedInSession.objects.create(
        user=user,
        created_at=now,
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
        address=coarse_address(str(meta.get("REMOTE_ADDR", ""))),
        **fields,
    )
    session[DEVICE_KEY] = row.pk


def seen(session_key: str) -> None:
    """The session was used now (called at most once a minute per session)."""
    tag = session_tag(session_key)
    SignedInSession.objects.filter(key_hash=tag).update(last_seen_at=timezone.now())


def end_other_sessions(*, user: User) -> None:
    """End every session and socket of the person (a second factor changed); the caller keeps
    its own session with `update_session_auth_hash`. Tokens stay: they never passed the
    sign-in the factor guards. Call in a transaction, beside the change's audit entry."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    _closed_sockets(user.pk)


def password_replaced(*, user: User) -> None:
    """A new password (reset link, break-glass admin, command line): tokens and sockets end."""
    with transaction.atomic():
        record(
            actor=None,
            action="account.password_changed",
            target=user,
            data={"tokens_deleted": _delete_tokens(user)},
        )
        # Every session's stored hash is now wrong; the one kept by the page that changed
        # the password is tracked afresh (`track`).
        SignedInSession.objects.filter(user=user).delete()
        _closed_sockets(user.pk)


def _saved(sender: Any, *, instance: User, created: bool, **kwargs: Any) -> None:
    # Django's AbstractBaseUser.save() keeps the new raw password in `_password` until
    # after the save: a saved existing user with one has just had their password replaced,
    # whichever form or command did it.
    if not created and getattr(instance, "_password", None) is not None:
        password_replaced(user=instance)


def session_ends_at(session_key: str, user_id: int) -> datetime | None:
    """When this session of this person will end (idle or absolute limit, whichever is
    sooner), or None if it has ended. Reads the database session store's row."""
    store = import_string(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    if not (isinstance(user, User) and user.is_active and user.pk == user_id):
        return None
    ends_at: datetime | None = (
        Session.objects.filter(session_key=session_key, expire_date__gt=timezone.now())
        .values_list("expire_date", flat=True)
        .first()
    )
    return ends_at


def _address(request: Any) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


def _signed_in(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    with transaction.atomic():
        record(actor=user, action="account.signed_in", data={"address": _address(request)})
        if request is not None and hasattr(request, "session"):
            track(request, user)


def _signed_out(sender: Any, *, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    with transaction.atomic():
        record(actor=user, action="account.signed_out", data={"address": _address(request)})
        key = request.session.session_key if request is not None else None
        row = SignedInSession.objects.filter(key_hash=session_tag(key)).first() if key else None
        if row is not None:
            # This session's sockets close; the person's other devices stay connected.
            publish_on_commit(SessionEnded(user_id=user.pk, session=row.key_hash))
            row.delete()
        else:
            _closed_sockets(user.pk)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="people-signed-in")
    user_logged_out.connect(_signed_out, dispatch_uid="people-signed-out")
    post_save.connect(_saved, sender=User, dispatch_uid="people-password-replaced")
