"""The frame reader on its own: what a frame must be before it may join the writer's batch.

Frames are written here as the JSON text a client puts on the wire, so "\\ud800" below is
the six characters of a JSON escape, as a probe or a broken client would send them.
"""

import json
import time
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from ropeteam.conversations.live import frames
from ropeteam.conversations.live.frames import FrameError
from ropeteam.core.text import MAX_DEPTH, half_character

CLIENT_ID = str(uuid4())


def send_text(body: str = '"Back at four"', **fields: str) -> str:
    """A send frame's JSON text; `body` and `fields` are raw JSON values."""
    parts = {"type": '"send"', "conversation": "3", "client_id": f'"{CLIENT_ID}"', "body": body}
    parts |= fields
    return "{" + ", ".join(f'"{k}": {v}' for k, v in parts.items()) + "}"


def refusal(raw: str | bytes) -> FrameError:
    with pytest.raises(FrameError) as caught:
        frames.parse(raw)
    return caught.value


# --- half a character ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [r'"\ud800"', r'"Back at \udc00 four"', r'"ends with \ud83d"', r'"\ude00\ud83d reversed"'],
    ids=["high half", "low half", "high half at the end", "a pair the wrong way round"],
)
def test_a_send_whose_body_holds_half_a_character_is_invalid_and_names_its_client_id(
    body: str,
) -> None:
    error = refusal(send_text(body))

    assert (error.code, error.field, error.ref) == ("invalid", "body", CLIENT_ID)
    assert error.detail == half_character()
    answer = json.loads(error.frame())
    assert answer["type"] == "error" and answer["code"] == "invalid"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (send_text(client_id=r'"\ud800"'), "client_id"),
        (send_text(type=r'"se\ud800nd"'), "type"),
        (r'{"type": "send\ud800", "conversation": 3}', "type"),
        (r'{"type": "typing", "conversation": 3, "note": "\udfff"}', "note"),
        (r'{"type": "resume", "cursors": {"3\ud800": 1}}', "cursors"),
        (r'{"type": "ping", "deep": [{"x": ["\ud800"]}]}', "deep"),
        (r'{"type": "ping", "\ud800": 1}', None),
    ],
    ids=["client_id", "type of a send", "type", "unknown field", "a key inside", "nested", "key"],
)
@pytest.mark.hazard("H7")
def test_half_a_character_anywhere_in_a_frame_is_invalid(raw: str, field: str | None) -> None:
    error = refusal(raw)

    assert (error.code, error.field) == ("invalid", field)
    assert error.detail == half_character()
    # The answer itself can be sent: it does not echo the broken text.
    assert json.loads(error.frame().encode())["code"] == "invalid"


def test_half_a_character_in_a_binary_frame_or_a_callers_own_string_is_invalid_too() -> None:
    assert refusal(send_text(r'"\ud800"').encode()).code == "invalid"
    # Not an escape: the character itself, as a Python caller could pass it.
    assert refusal(send_text('"\ud800"')).code == "invalid"


@pytest.mark.parametrize(
    "body",
    [r'"\ud83d\ude00"', r'"\uD83D\uDE00 upper case"', '"😀 as it is"', r'"caf\u00e9"', '"ﬁne"'],
    ids=["escaped pair", "escaped pair in capitals", "emoji", "escaped BMP", "ligature"],
)
def test_whole_characters_beyond_the_basic_plane_are_still_accepted(body: str) -> None:
    request = frames.parse(send_text(body))

    assert isinstance(request, frames.Send)
    assert request.body == json.loads(body).strip()
    request.body.encode()  # storable as it is


def test_an_escaped_pair_becomes_the_one_character_it_stands_for() -> None:
    request = frames.parse(send_text(r'"On my way \ud83d\ude97"'))

    assert isinstance(request, frames.Send)
    assert request.body == "On my way 🚗"


def test_a_nul_character_is_still_invalid() -> None:
    error = refusal(send_text(r'"a\u0000b"'))

    assert (error.code, error.field, error.ref) == ("invalid", "body", CLIENT_ID)
    assert "NUL" in error.detail


# --- nesting and size ------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 60_000,
        nested(30_000),
        "{" * 60_000,
        '{"a": ' * 9_000 + "1" + "}" * 9_000,
        '{"type": "ping", "x": ' + nested(MAX_DEPTH) + "}",
        send_text(extra=nested(5_000)),
    ],
    ids=["unclosed arrays", "arrays", "unclosed objects", "objects", "one too deep", "in a send"],
)
@pytest.mark.hazard("H7")
def test_a_frame_nested_too_deep_is_malformed_without_parsing_it(raw: str) -> None:
    # Within 64 KiB; json.loads would recurse once per level and raise RecursionError.
    error = refusal(raw)

    assert error.code == "malformed"
    assert str(MAX_DEPTH) in error.detail


def test_a_hundred_thousand_brackets_are_malformed_too() -> None:
    assert refusal("[" * 100_000).code == "malformed"


def test_nesting_up_to_the_limit_and_brackets_inside_text_are_accepted() -> None:
    assert isinstance(
        frames.parse('{"type": "ping", "x": ' + nested(MAX_DEPTH - 1) + "}"), frames.Ping
    )
    body = '"' + "[{" * 1_500 + r"\"]" + '"'
    request = frames.parse(send_text(body))
    assert isinstance(request, frames.Send) and request.body.startswith("[{[{")


@pytest.mark.parametrize(
    "raw",
    [
        '{"type": "ping", "x": "' + '\\"[' * 20_000,  # one string, never closed
        '["' + '\\"[' * 20_000 + "\\",  # escaped quotes, then a lone backslash
        "[[]," * 16_000,  # many brackets, shallow
    ],
    ids=["unclosed string", "escapes", "shallow"],
)
def test_frames_built_to_slow_the_depth_check_are_read_in_one_pass(raw: str) -> None:
    started = time.monotonic()

    with pytest.raises(FrameError):
        frames.parse(raw)

    assert time.monotonic() - started < 0.5


def test_a_frame_over_64_kib_is_malformed() -> None:
    error = refusal(send_text('"' + "x" * frames.MAX_FRAME + '"'))

    assert error.code == "malformed"


# --- urgent --------------------------------------------------------------------------------


def test_a_send_is_not_urgent_unless_it_says_so() -> None:
    request = frames.parse(send_text())

    assert isinstance(request, frames.Send) and request.urgent is False


def test_a_send_marked_urgent_is_urgent() -> None:
    request = frames.parse(send_text(urgent="true"))

    assert isinstance(request, frames.Send) and request.urgent is True


@pytest.mark.parametrize("value", ['"true"', "1", "null", '"yes"', "{}"])
def test_urgent_that_is_not_true_or_false_is_malformed_and_names_its_client_id(value: str) -> None:
    error = refusal(send_text(urgent=value))

    assert (error.code, error.field, error.ref) == ("malformed", "urgent", CLIENT_ID)
    assert error.detail == "urgent must be true or false."


def test_a_message_frame_says_whether_it_is_urgent() -> None:
    shown = json.loads(
        frames.message(
            conversation=3,
            seq=1,
            sender=2,
            client_id=uuid4(),
            body="Call me",
            sent_at=datetime.now(UTC),
            urgent=True,
        )
    )

    assert shown["urgent"] is True
