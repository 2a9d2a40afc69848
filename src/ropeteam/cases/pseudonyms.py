"""Spotting what must never be typed about a young person: plain Python, no Django.

This catches the obvious slips (a date of birth, a phone number, an e-mail, a postcode, an
NHS number, a name where initials belong); it cannot prove text is anonymous, which is why
the forms also say what not to write.
"""

import re

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june"
    "|july|august|september|october|november|december"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "a full date (such as a date of birth)",
        re.compile(
            r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}\b"
            r"|\b(?:19|20)\d{2}[/.\-]\d{1,2}[/.\-]\d{1,2}\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}}\b"
            rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
            re.IGNORECASE,
        ),
    ),
    ("an e-mail address", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    ("a phone number", re.compile(r"(?<!\w)(?:\+44\s?|0)(?:\d[\s-]?){9,10}\b")),
    ("a postcode", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)),
    ("an NHS number", re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")),
    ("a date of birth", re.compile(r"\b(?:d\.?o\.?b\.?|date of birth|born on)\b", re.IGNORECASE)),
]


def identifying_details(text: str) -> list[str]:
    """What in this text looks like it identifies someone, in words for the person typing."""
    return [label for label, pattern in _PATTERNS if pattern.search(text)]


INITIALS = re.compile(r"^[A-Z]{1,3}$")
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/]{1,23}$")
