"""Holding back password guessing: per account and per address, growing, capped delays.

After ACCOUNT_FAILURES failed sign-ins for one account (or ADDRESS_FAILURES from one
address) within WINDOW, further attempts are refused, without checking the password, for
the base delay (ROPETEAM_SIGNIN_DELAY_SECONDS), doubling with each hold in a row up to
MAX_DELAY, so nobody is held back for longer than that at a time. A hold only stops new
sign-ins: sessions already signed in, their sockets, check-ins and alarms are untouched.
Counts live in the database (one row per key, locked while it changes) so every process
sees them. A successful sign-in clears the account's count, not the address's, so a
guesser cannot reset their address by signing in to an account of their own.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.people.models import SignInThrottle, User

ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20  # an office behind one address has many honest typos
WINDOW = timedelta(minutes=15)
MAX_DELAY = timedelta(minutes=15)
# A day without failures and the next hold starts again from the base delay.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Attempt:
    """Who is trying to sign in: the account named (if it exists) and the client address."""

    user: User | None
    address: str

    def keys(self) -> dict[str, int]:
        keys = {f"address:{self.address}": ADDRESS_FAILURES}
        if self.user is not None:
            keys[f"account:{self.user.pk}"] = ACCOUNT_FAILURES
        return keys


def attempt(*, username: str, address: str) -> Attempt:
    """The attempt to sign in as `username` (case-insensitive, as sign-in is) from `address`."""
    user = User.objects.filter(username__iexact=username.strip()).first() if username else None
    return Attempt(user=user, address=address)


def held_until(attempt: Attempt, *, now: datetime | None = None) -> datetime | None:
    """When this attempt may be made, if not now."""
    now = now or timezone.now()
    until = (
        SignInThrottle.objects.filter(key__in=attempt.keys(), held_until__gt=now)
        .order_by("-held_until")
        .values_list("held_until", flat=True)
        .first()
    )
    return until


def refused(attempt: Attempt, *, until: datetime) -> None:
    """Audit an attempt refused because of a hold (its password was not checked)."""
    with transaction.atomic():
        record(
            actor=None,
            action="signin.refused",
            target=attempt.user,
            data={"address": attempt.address, "until": until.isoformat()},
        )


def failed(attempt: Attempt, *, now: datetime | None = None) -> datetime | None:
    """Count a wrong password (or unknown account); when a hold it started ends, if any."""
    now = now or timezone.now()
    with transaction.atomic():
        holds = [_count(key, limit, now) for key, limit in attempt.keys().items()]
        until = max((h for h in holds if h is not None), default=None)
        # The typed name of an unknown account is not kept: people type passwords there.
        record(
            actor=None,
            action="signin.failed",
            target=attempt.user,
            data={"address": attempt.address, "held_until": until and until.isoformat()},
        )
    return until


def succeeded(attempt: Attempt) -> None:
    """A right password: the account's count starts again."""
    if attempt.user is not None:
        SignInThrottle.objects.filter(key=f"account:{attempt.user.pk}").delete()


def _count(key: str, limit: int, now: datetime) -> datetime | None:
    row = _locked_row(key, now)
    if now - row.updated_at > FORGET_AFTER:
        row.holds = 0
    if now - row.window_started_at > WINDOW:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    row.updated_at = now
    hold = None
    if row.failures >= limit:
        base = timedelta(seconds=settings.SIGNIN_DELAY_SECONDS)
        hold = now + min(base * 2**row.holds, MAX_DELAY)
        row.held_until, row.holds = hold, row.holds + 1
        row.failures, row.window_started_at = 0, now
    row.save()
    return hold


def _locked_row(key: str, now: datetime) -> SignInThrottle:
    row = SignInThrottle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return SignInThrottle.objects.create(key=key, window_started_at=now, updated_at=now)
    except IntegrityError:  # another process made it first
        return SignInThrottle.objects.select_for_update().get(key=key)
