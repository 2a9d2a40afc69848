"""What every form shares: running an action on it, time inputs, offering members and cases."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any, Final, TypeVar, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.core.errors import Conflict, InvalidInput
from ropeteam.people.models import User
from ropeteam.web import labels

T = TypeVar("T")


class Outcome(Enum):
    """What `submit` gives back instead of a result when nothing was done."""

    REFUSED = "refused"


REFUSED: Final = Outcome.REFUSED


def submit(form: forms.BaseForm, act: Callable[[dict[str, Any]], T]) -> T | Outcome:
    """Run an action on the form's clean data; a refusal becomes the form's error message.

    The message goes on the field the action names (translated by the form's own
    `action_fields` where its field has another name), or on the whole form. A form with no
    data (the page was only opened) is refused without a message, so it is simply shown.
    """
    if not form.is_valid():
        return REFUSED
    try:
        return act(form.cleaned_data)
    except (InvalidInput, Conflict) as error:
        renamed: Mapping[str, str] = getattr(form, "action_fields", {})
        field = renamed.get(error.field or "", error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return REFUSED


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def next_time(at: time, now: datetime) -> datetime:
    """The next moment the clock shows `at`: later today, or tomorrow if that has passed."""
    moment = timezone.make_aware(datetime.combine(timezone.localdate(now), at))
    return moment if moment > now else moment + timedelta(days=1)


def offer_cases(form: forms.BaseForm, cases: Sequence[Case] | None) -> None:
    """Fill the optional `case_id` field with these cases, or drop it when the person's role
    does not see cases (None)."""
    if cases is None:
        del form.fields["case_id"]
        return
    cast(forms.ChoiceField, form.fields["case_id"]).choices = [
        ("", _("No case")),
        *((c.pk, f"{c.reference} · {c.initials}") for c in cases),
    ]


class MembersForm(forms.Form):
    """A form that offers the team's members by name in its `member_fields`."""

    member_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, members: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {m.pk: m for m in members}
        self.member_choices = [(m.pk, m.name) for m in members]
        for name in self.member_fields:
            cast(forms.ChoiceField, self.fields[name]).choices = self.member_choices


def radio(label: Any, kind: dict[str, Any], **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=labels.choices(kind), widget=forms.RadioSelect, **kwargs
    )
