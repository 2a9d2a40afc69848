"""Model field choices from an enum of a flow module."""

from enum import Enum
from typing import Any


def choices_of(enum: type[Enum]) -> list[tuple[Any, str]]:
    return [(member.value, member.name) for member in enum]
