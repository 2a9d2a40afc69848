"""Typed events: the facts a domain tells people's sockets, published with
`publish.publish_on_commit`.

An `Event` is one wire frame for an audience (a team and people in it). Its JSON is made from
its fields, in the order they are declared, after `type`; the audience is never on the wire.
Subclasses are frozen dataclasses whose fields are JSON values (ids, states, ISO times),
never free text. `Revocation` and `PresenceChange` are not frames: they tell every instance
to close a person's sockets, or to show their availability anew.
"""

import json
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose sockets an event is for: people in one team (a socket hears only its teams)."""

    team_id: int
    user_ids: frozenset[int]

    @classmethod
    def of(cls, team_id: int, user_ids: Any) -> "Audience":
        return cls(int(team_id), frozenset(int(u) for u in user_ids))


def dump(frame: dict[str, Any]) -> str:
    """A frame's text on the wire: compact JSON, UTF-8 as is."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


# Every event class by its wire `type`, as its module is imported.
EVENT_TYPES: dict[str, type["Event"]] = {}


@dataclass(frozen=True, kw_only=True)
class Event:
    """One frame for an audience. Subclasses set `type` and declare the frame's fields."""

    type: ClassVar[str]

    audience: Audience

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        wire_type = cls.__dict__.get("type")
        if isinstance(wire_type, str):
            EVENT_TYPES[wire_type] = cls

    @classmethod
    def wire_fields(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "audience"]

    def wire(self) -> dict[str, Any]:
        """The frame as a JSON object: `type` first, then the fields in declared order."""
        return {"type": self.type, **{name: getattr(self, name) for name in self.wire_fields()}}

    def frame(self) -> str:
        return dump(self.wire())


@dataclass(frozen=True, kw_only=True)
class Revocation:
    """A person's access narrowed: every instance closes their sockets (4410), or only those
    opened with one session when `session` names it (`session_tag` of its key)."""

    user_id: int
    session: str = ""


@dataclass(frozen=True, kw_only=True)
class PresenceChange:
    """A person's availability changed: every instance shows it to their teammates."""

    user_id: int


Publishable = Event | Revocation | PresenceChange
