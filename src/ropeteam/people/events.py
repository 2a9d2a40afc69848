"""What people tells the realtime layer: not frames, but orders to every instance."""

from dataclasses import dataclass

from ropeteam.realtime.events import PresenceChange, Revocation


@dataclass(frozen=True, kw_only=True)
class AccessNarrowed(Revocation):
    """Deactivated, removed from a team, a token revoked or signed out: sockets close."""


@dataclass(frozen=True, kw_only=True)
class AvailabilityChanged(PresenceChange):
    """Teammates see the person's new availability at once."""


@dataclass(frozen=True, kw_only=True)
class SessionEnded(Revocation):
    """One session was signed out: the sockets opened with it close, the person's others stay."""
