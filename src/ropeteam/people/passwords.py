"""Our password rules beyond Django's: no words an attacker who knows the person would try.

Django's validators (AUTH_PASSWORD_VALIDATORS) give the length (12 to 128) and the list of
common passwords; this one refuses a password that contains the person's username, any
part of their name or e-mail address, the name of an organisation or team they belong to
(or are joining), or "ropeteam": the first guesses of anyone who has seen the login page or
a rota.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Shorter pieces of a name ("Al", "Sam") occur inside too many good passphrases to refuse.
MIN_WORD = 4
ALWAYS_REFUSED = ("ropeteam",)
# A person who is joining has no membership yet: the invitation's team and organisation
# names are set on the unsaved user under this attribute before validation.
JOINING_ATTRIBUTE = "joining_names"


def _pieces(text: str) -> Iterable[str]:
    lowered = text.lower()
    yield re.sub(r"[^a-z0-9]", "", lowered)
    yield from re.split(r"[^a-z0-9]+", lowered)


def context_words(user: Any) -> set[str]:
    """The words a password of this person must not contain."""
    texts: list[str] = list(ALWAYS_REFUSED)
    if user is not None:
        texts += [user.username or "", user.display_name or "", user.email or ""]
        texts += [user.first_name or "", user.last_name or ""]
        texts += list(getattr(user, JOINING_ATTRIBUTE, ()))
        if user.pk is not None:
            for team, organisation in user.memberships.values_list(
                "team__name", "team__organisation__name"
            ):
                texts += [team, organisation]
    return {piece for text in texts for piece in _pieces(text) if len(piece) >= MIN_WORD}


class ContextWordsValidator:
    """Refuse passwords containing the person's names, their teams' names or "ropeteam"."""

    def validate(self, password: str, user: Any = None) -> None:
        squeezed = re.sub(r"[^a-z0-9]", "", password.lower())
        if any(word in squeezed for word in context_words(user)):
            raise ValidationError(
                _(
                    "The password must not contain your name, username, e-mail address, "
                    "team or organisation, or the word “ropeteam”."
                ),
                code="password_has_context_word",
            )

    def get_help_text(self) -> str:
        return _("It must not contain your name, username, e-mail address, team or organisation.")


class MaximumLengthValidator:
    """Refuse passwords over `max_length` characters (hashing a megabyte costs the server)."""

    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "The password must be at most %(max)d character long.",
                    "The password must be at most %(max)d characters long.",
                    self.max_length,
                )
                % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("At most %(max)d characters.") % {"max": self.max_length}
