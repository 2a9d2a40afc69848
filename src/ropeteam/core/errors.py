"""The errors actions and access functions raise; every interface maps them the same way."""

from enum import StrEnum
from typing import TypeVar

from django.utils.translation import gettext as _

Choice = TypeVar("Choice", bound=StrEnum)


class RopeteamError(Exception):
    """A failure a person can act on; `message` is shown to them as it is.

    `field` names the action's keyword argument at fault; each interface translates it to
    the name of its own input where the two differ.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(RopeteamError):
    """The request was understood but cannot be carried out as asked (HTTP 400)."""


class Conflict(RopeteamError):
    """The request clashes with the current state, e.g. a duplicate reference (HTTP 409)."""

    status = 409


class Forbidden(RopeteamError):
    """The person may see the thing but not do this to it (HTTP 403)."""

    status = 403


class NotFound(RopeteamError):
    """Missing, or not the person's to see: the two look the same on purpose (HTTP 404)."""

    status = 404

    def __init__(self, message: str = "Not found.", *, field: str | None = None) -> None:
        super().__init__(message, field=field)


def parse_choice(kind: type[Choice], value: str, *, field: str, label: str) -> Choice:
    """`value` as one of `kind`, or InvalidInput listing the choices."""
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(k.value for k in kind)
        raise InvalidInput(
            _("Unknown %(label)s “%(value)s”: choose one of %(choices)s.")
            % {"label": label, "value": value, "choices": choices},
            field=field,
        ) from None
