"""What is said in a concern: its four parts."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from ropeteam.core.errors import InvalidInput

MAX_PART = 1000  # each part of a concern: a few sentences


@dataclass(frozen=True)
class Statement:
    """The structure of a concern: what I noticed, why it matters to me, what I suggest,
    what I am asking of you."""

    noticed: str = ""
    matters: str = ""
    suggest: str = ""
    asking: str = ""

    def cleaned(self, *, first: bool) -> "Statement":
        parts = Statement(
            self.noticed.strip(), self.matters.strip(), self.suggest.strip(), self.asking.strip()
        )
        for field in ("noticed", "matters", "suggest", "asking"):
            if len(getattr(parts, field)) > MAX_PART:
                raise InvalidInput(
                    _("Keep each part to a few sentences (at most %(n)d characters).")
                    % {"n": MAX_PART},
                    field=field,
                )
        if first and not parts.noticed:
            raise InvalidInput(_("Say what you noticed."), field="noticed")
        if first and not parts.asking:
            raise InvalidInput(_("Say what you are asking of your colleague."), field="asking")
        if not first and not any((parts.noticed, parts.matters, parts.suggest, parts.asking)):
            raise InvalidInput(
                _("Say what has changed, or what you are asking now."), field="noticed"
            )
        return parts
