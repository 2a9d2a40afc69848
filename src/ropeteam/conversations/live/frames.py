"""Frames of the websocket protocol, version 1 (docs/protocol.md): reading and writing them.

Reading turns one text frame into a typed request or a `FrameError` that becomes an error
frame; a bad frame never closes the socket. A frame is checked in full here, before it joins
the writer's batch beside other people's: one person's bad frame must fail alone.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard
from uuid import UUID

from django.utils.translation import gettext as _

from ropeteam.conversations.flow import MAX_BODY
from ropeteam.core.text import (
    MAX_DEPTH,
    half_character,
    is_encodable,
    nests_deeper,
    text_refusal,
)
from ropeteam.realtime.events import dump

MAX_FRAME = 64 * 1024
MAX_RESUME = 500
_MAX_ID = 2**63 - 1


class FrameError(Exception):
    """A frame that cannot be carried out; `code` is one of protocol.md's error codes."""

    def __init__(
        self, code: str, detail: str, *, field: str | None = None, ref: str | int | None = None
    ) -> None:
        super().__init__(detail)
        self.code, self.detail, self.field, self.ref = code, detail, field, ref

    def frame(self) -> str:
        return dump(
            {
                "type": "error",
                "code": self.code,
                "detail": self.detail,
                "field": self.field,
                "ref": self.ref,
            }
        )


@dataclass(frozen=True, slots=True)
class Send:
    conversation: int
    client_id: UUID
    body: str
    urgent: bool = False


@dataclass(frozen=True, slots=True)
class Receipt:
    conversation: int
    delivered: int | None
    read: int | None


@dataclass(frozen=True, slots=True)
class Typing:
    conversation: int


@dataclass(frozen=True, slots=True)
class Resume:
    cursors: dict[int, int]


@dataclass(frozen=True, slots=True)
class Ping:
    pass


Request = Send | Receipt | Typing | Resume | Ping


def parse(raw: str | bytes | None) -> Request:
    """The request in one frame, or a FrameError saying what is wrong with it."""
    text = _text(raw)
    if len(text) > MAX_FRAME:
        raise FrameError("malformed", _("A frame can be at most 64 KiB."))
    # Before parsing: json.loads recurses once per level.
    if nests_deeper(text):
        raise FrameError(
            "malformed", _("A frame can nest at most %(n)d levels deep.") % {"n": MAX_DEPTH}
        )
    try:
        data = json.loads(text)
    except ValueError:
        raise FrameError("malformed", _("A frame must be one JSON object.")) from None
    if not isinstance(data, dict):
        raise FrameError("malformed", _("A frame must be one JSON object."))
    # Half a surrogate pair comes only from a \u escape, or from a caller's own string.
    if "\\u" in text or not text.isascii():
        _refuse_half_characters(data)
    kind = data.get("type")
    if kind == "send":
        return _send(data)
    if kind == "receipt":
        conversation = _id(data, "conversation")
        delivered = _seq(data, "delivered", conversation)
        read = _seq(data, "read", conversation)
        if delivered is None and read is None:
            raise FrameError(
                "malformed",
                _("Say how far you have got: give delivered, read or both."),
                field="delivered",
                ref=conversation,
            )
        return Receipt(conversation, delivered, read)
    if kind == "typing":
        return Typing(_id(data, "conversation"))
    if kind == "resume":
        return Resume(_cursors(data))
    if kind == "ping":
        return Ping()
    raise FrameError(
        "malformed",
        _("Unknown frame type %(type)s.") % {"type": json.dumps(kind)[:40]},
        field="type",
    )


def _text(raw: str | bytes | None) -> str:
    if raw is None:
        raise FrameError("malformed", _("Send frames as text."))
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode()
    except UnicodeDecodeError:
        raise FrameError("malformed", _("A frame must be one JSON object.")) from None


def _has_half_character(value: object) -> bool:
    if isinstance(value, str):
        return not is_encodable(value)
    if isinstance(value, dict):
        return any(_has_half_character(k) or _has_half_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_half_character(v) for v in value)
    return False


def _refuse_half_characters(data: dict[str, Any]) -> None:
    """Refuse text anywhere in the frame that has no UTF-8 form: it could be neither stored
    nor sent on (and would fail the whole batch it joined)."""
    for key, value in data.items():
        if _has_half_character(key) or _has_half_character(value):
            raise FrameError(
                "invalid",
                half_character(),
                field=key if is_encodable(key) else None,
                ref=_ref(data),
            )


def _ref(data: dict[str, Any]) -> str | None:
    """The client_id of a send, when it is one, so the client knows which frame failed."""
    raw_id = data.get("client_id")
    try:
        return str(UUID(raw_id)) if isinstance(raw_id, str) else None
    except ValueError:
        return None


def _send(data: dict[str, Any]) -> Send:
    raw_id = data.get("client_id")
    try:
        client_id = UUID(raw_id) if isinstance(raw_id, str) else None
    except ValueError:
        client_id = None
    if client_id is None:
        raise FrameError(
            "malformed", _("client_id must be a UUID made by your device."), field="client_id"
        )
    ref = str(client_id)
    conversation = _id(data, "conversation", ref=ref)
    body = data.get("body")
    if not isinstance(body, str):
        raise FrameError("malformed", _("body must be text."), field="body", ref=ref)
    refusal = text_refusal(body)
    if refusal is not None:
        raise FrameError("invalid", refusal, field="body", ref=ref)
    body = body.strip()
    if not body:
        raise FrameError("invalid", _("Write something to send."), field="body", ref=ref)
    if len(body) > MAX_BODY:
        raise FrameError(
            "invalid",
            _("A message can be at most %(n)d characters.") % {"n": MAX_BODY},
            field="body",
            ref=ref,
        )
    urgent = data.get("urgent", False)
    if not isinstance(urgent, bool):
        raise FrameError("malformed", _("urgent must be true or false."), field="urgent", ref=ref)
    return Send(conversation, client_id, body, urgent)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _id(data: dict[str, Any], field: str, *, ref: str | None = None) -> int:
    value = data.get(field)
    if not _is_int(value) or not 1 <= value <= _MAX_ID:
        raise FrameError(
            "malformed", _("%(field)s must be an id.") % {"field": field}, field=field, ref=ref
        )
    return int(value)


def _seq(data: dict[str, Any], field: str, ref: int) -> int | None:
    value = data.get(field)
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value <= _MAX_ID:
        raise FrameError(
            "malformed",
            _("%(field)s must be a seq (0 or more).") % {"field": field},
            field=field,
            ref=ref,
        )
    return int(value)


def _cursors(data: dict[str, Any]) -> dict[int, int]:
    raw = data.get("cursors")
    problem = FrameError(
        "malformed",
        _("cursors must map conversation ids to the last seq you have."),
        field="cursors",
    )
    if not isinstance(raw, dict):
        raise problem
    if len(raw) > MAX_RESUME:
        raise FrameError(
            "malformed",
            _("Resume at most %(n)d conversations at once.") % {"n": MAX_RESUME},
            field="cursors",
        )
    cursors: dict[int, int] = {}
    for key, value in raw.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 18):
            raise problem
        if not _is_int(value) or not 0 <= value <= _MAX_ID or int(key) < 1:
            raise problem
        cursors[int(key)] = int(value)
    return cursors


def moment(when: datetime) -> str:
    return when.isoformat()


def message(
    *,
    conversation: int,
    seq: int,
    sender: int,
    client_id: UUID,
    body: str,
    sent_at: datetime,
    urgent: bool,
) -> str:
    return dump(
        {
            "type": "message",
            "conversation": conversation,
            "seq": seq,
            "sender": sender,
            "client_id": str(client_id),
            "body": body,
            "sent_at": moment(sent_at),
            "urgent": urgent,
        }
    )
