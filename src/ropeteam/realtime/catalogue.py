"""The events section of docs/protocol.md, written from the event classes themselves.

Realtime knows no domain: the caller passes the classes (`ropeteam.api.protocol` names
every domain's `events` module).
"""

import inspect
import re
import types
from collections.abc import Iterable
from dataclasses import MISSING, fields
from typing import Any, Union, get_args, get_origin, get_type_hints

from ropeteam.realtime.events import Event

BEGIN = "<!-- BEGIN GENERATED: events (make protocol-docs; edit the event classes, not this) -->"
END = "<!-- END GENERATED: events -->"

_NAMES = {int: "integer", str: "string", bool: "boolean", float: "number", type(None): "null"}


def _kind(hint: Any) -> str:
    if get_origin(hint) in (Union, types.UnionType):
        return " or ".join(_kind(arg) for arg in get_args(hint))
    return _NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def _field(cls: type[Event], name: str) -> str:
    hints = get_type_hints(cls)
    (found,) = [f for f in fields(cls) if f.name == name]
    kind = _kind(hints[name])
    if found.default is not MISSING:
        kind += f", always `{found.default}`"
    return f"`{name}` ({kind})"


def _when(cls: type[Event]) -> str:
    return re.sub(r"\s+", " ", inspect.getdoc(cls) or "").strip()


def section(classes: Iterable[type[Event]]) -> str:
    """The generated section, markers included: one row per event class, by `type`."""
    rows = [
        f"| `{cls.type}` | {', '.join(_field(cls, n) for n in cls.wire_fields())} "
        f"| {_when(cls)} | `{cls.__module__}.{cls.__qualname__}` |"
        for cls in sorted(classes, key=lambda c: c.type)
    ]
    return "\n".join(
        [
            BEGIN,
            "| `type` | fields after `type`, in this order | when | class |",
            "| --- | --- | --- | --- |",
            *rows,
            END,
        ]
    )


def rewrite(text: str, classes: Iterable[type[Event]]) -> str:
    """`text` (a protocol document) with its generated section replaced."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + section(classes) + text[end:]
