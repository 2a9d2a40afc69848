"""Personal access tokens for the API and the realtime socket."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import InvalidInput, NotFound
from ropeteam.people.actions._common import _narrowed
from ropeteam.people.models import (
    AccessToken,
    User,
)
from ropeteam.people.tokens import hash_secret, new_secret


def create_token(*, actor: User, name: str) -> tuple[AccessToken, str]:
    """A personal access token for the API; the raw token is shown once and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the token a name, e.g. the device it is for."), field="name")
    raw = new_secret("rt")
    with transaction.atomic():
        token = AccessToken.objects.create(
            user=actor,
            name=name[:80],
            prefix=raw[:10],
            token_hash=hash_secret(raw),
            created_at=timezone.now(),
        )
        record(actor=actor, action="token.created", target=token, data={"name": name})
    return token, raw


def revoke_token(*, actor: User, token: AccessToken) -> None:
    """Make a token stop working at once."""
    if token.user_id != actor.pk:
        raise NotFound(_("No such token."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoked", target=token)
        _narrowed(actor.pk)


def authenticate_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = (
        AccessToken.objects.select_related("user")
        .filter(token_hash=hash_secret(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Written at most once a minute, so a busy client does not write on every request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
