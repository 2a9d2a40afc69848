"""Text and JSON people send, checked the same way on every way in (socket frames, API bodies).

A Python string can hold what no database and no socket can carry: the NUL character
(PostgreSQL refuses it) and half of a surrogate pair (the JSON text "\\ud800"), which has
no UTF-8 form, so storing it fails and sending it would break the receiver's socket. Text
is refused here, with a message the person can act on, before it joins anyone else's work.
"""

import re
from itertools import accumulate

from django.utils.translation import gettext as _

# Deeper than any frame or request body we define (two levels), shallow enough that nothing
# walking a parsed value can run out of stack.
MAX_DEPTH = 32

# JSON's parser joins an escaped pair (\ud83d\ude00) into one character, so any code point
# left in this range is half a character.
_SURROGATE = re.compile("[\ud800-\udfff]")

# A JSON string, closed or running to the end of the text. The possessive loop cannot
# backtrack, so text full of unclosed strings is still read in one pass.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def is_encodable(text: str) -> bool:
    """Whether `text` has a UTF-8 form (holds no half of a surrogate pair)."""
    return text.isascii() or _SURROGATE.search(text) is None


def text_refusal(text: str) -> str | None:
    """Why `text` cannot be stored or sent, or None when it can."""
    if "\x00" in text:
        return _("Text cannot contain the NUL character.")
    if not is_encodable(text):
        return half_character()
    return None


def half_character() -> str:
    """What a person is told about text that holds half of a surrogate pair."""
    return _("Text must be valid Unicode: it holds half of a character (a lone surrogate).")


def nests_deeper(raw: str, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects more than `limit` deep, found without
    parsing it (brackets inside strings do not count)."""
    if raw.count("[") + raw.count("{") <= limit:
        return False  # the usual case, decided at C speed
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", raw))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit
