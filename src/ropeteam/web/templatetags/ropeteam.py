"""Filters for showing stored values in people's words and local time."""

import re
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from ropeteam.web import labels

register = template.Library()


@register.filter
def label(value: str, kind: str) -> str:
    """`{{ member.role|label:"role" }}`: the word people read for a stored value."""
    return str(labels.KINDS[kind].get(str(value), value))


@register.filter
def when(moment: datetime) -> str:
    """A time in the team's zone: just the clock today, with the day otherwise."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "D j M, H:i")


@register.filter
def dial(phone: str) -> str:
    """A phone number as `tel:` and `sms:` links want it: digits and a leading plus.

    The "(0)" in "+44 (0)7700..." is only dialled from inside the country, so it goes.
    """
    return re.sub(r"[^\d+]", "", phone.replace("(0)", ""))
