"""Who is online, on this instance or another, and what their teammates are shown."""

import time
from dataclasses import dataclass
from typing import Any

from ropeteam.realtime.conn import Registry
from ropeteam.realtime.events import dump


@dataclass(frozen=True, slots=True)
class Teammate:
    user_id: int
    team_ids: frozenset[int]
    availability: str
    until: str | None


class Presence:
    """Online is: a socket here, or another instance said so within 2.5 heartbeats."""

    def __init__(self, registry: Registry, heartbeat: float) -> None:
        self.registry = registry
        self.heartbeat = heartbeat
        self.profiles: dict[int, Teammate] = {}
        self.elsewhere: dict[int, dict[str, float]] = {}

    def is_online(self, user_id: int) -> bool:
        if user_id in self.registry.by_user:
            return True
        now = time.monotonic()
        return any(until > now for until in self.elsewhere.get(user_id, {}).values())

    def entry(self, mate: Teammate) -> dict[str, Any]:
        """One person as `welcome` and `presence` frames show them."""
        return {
            "user": mate.user_id,
            "online": self.is_online(mate.user_id),
            "availability": mate.availability,
            "until": mate.until,
        }

    def show(self, mate: Teammate, *, online: bool) -> None:
        """Tell this process's sockets in the person's teams (not the person's own)."""
        frame = dump({"type": "presence", **self.entry(mate), "online": online})
        for user_id, conns in self.registry.by_user.items():
            if user_id == mate.user_id:
                continue
            for conn in conns:
                if conn.team_ids & mate.team_ids:
                    conn.push(frame)

    def sweep(self) -> None:
        """Forget instances that stopped saying who is connected to them (they died)."""
        now = time.monotonic()
        for user_id, seen in list(self.elsewhere.items()):
            before = bool(seen)
            for instance, until in list(seen.items()):
                if until <= now:
                    del seen[instance]
            if before and not seen:
                del self.elsewhere[user_id]
                mate = self.profiles.get(user_id)
                if mate is not None and not self.is_online(user_id):
                    self.show(mate, online=False)

    def seen(self, user_ids: list[Any], instance: str) -> None:
        """Another instance says these people are connected to it."""
        until = time.monotonic() + 2.5 * self.heartbeat
        for user_id in user_ids:
            self.elsewhere.setdefault(int(user_id), {})[instance] = until

    def heard(self, message: dict[str, Any]) -> None:
        """Someone came online, went offline or changed availability on another instance."""
        mate = mate_in(message)
        before = self.is_online(mate.user_id)
        seen = self.elsewhere.setdefault(mate.user_id, {})
        if message["online"]:
            seen[message["origin"]] = time.monotonic() + 2.5 * self.heartbeat
        else:
            seen.pop(message["origin"], None)
        after = self.is_online(mate.user_id)
        if before != after or message["online"] == before:
            # Came online, went offline, or the availability changed.
            self.show(mate, online=after)


def mate_out(mate: Teammate) -> dict[str, Any]:
    return {
        "user": mate.user_id,
        "teams": sorted(mate.team_ids),
        "availability": mate.availability,
        "until": mate.until,
    }


def mate_in(message: dict[str, Any]) -> Teammate:
    return Teammate(
        int(message["user"]),
        frozenset(int(t) for t in message["teams"]),
        str(message["availability"]),
        message["until"],
    )
