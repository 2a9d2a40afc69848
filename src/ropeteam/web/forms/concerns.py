"""Forms for concerns: raising one, the answers, and each level's time to answer."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.concerns.actions import MAX_PART, MAX_REPLY
from ropeteam.concerns.flow import Level
from ropeteam.people.models import User
from ropeteam.web import labels
from ropeteam.web.forms.base import MembersForm, offer_cases, radio


def _level_choices() -> list[tuple[str, Any]]:
    """Each level by name, with what it means, so the choice says how strong it is."""
    return [
        (
            level.name.lower(),
            format_lazy(
                "{} — {}", labels.LEVEL[str(level.value)], labels.LEVEL_MEANING[str(level.value)]
            ),
        )
        for level in Level
    ]


def _part(label: Any, help_text: Any) -> forms.CharField:
    # Not required here: the action says which part is missing, in its own words.
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_PART,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatementForm(forms.Form):
    """The structure of a concern: what I noticed, why it matters, what I suggest, what I ask."""

    noticed = _part(_("What I noticed"), _("What you saw or heard, as facts."))
    matters = _part(_("Why it matters to me (optional)"), _("In the first person: “I worry…”."))
    suggest = _part(_("What I suggest (optional)"), "")
    asking = _part(_("What I am asking of you"), _("What would you like your colleague to do?"))


class RaiseForm(MembersForm, StatementForm):
    """Raise something with a colleague: with whom, how strongly, and the four parts."""

    field_order = ["colleague_id", "level", "noticed", "matters", "suggest", "asking", "case_id"]
    member_fields = ("colleague_id",)
    colleague_id = forms.TypedChoiceField(label=_("The colleague"), coerce=int)
    level = forms.ChoiceField(
        label=_("How strongly"), widget=forms.RadioSelect, initial="probe", choices=()
    )
    case_id = forms.TypedChoiceField(
        label=_("About a case (optional)"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, cases: Sequence[Case] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        colleague = cast(forms.ChoiceField, self.fields["colleague_id"])
        colleague.choices = [("", _("Choose…")), *self.member_choices]
        cast(forms.ChoiceField, self.fields["level"]).choices = _level_choices()
        offer_cases(self, cases)


class RespondForm(forms.Form):
    response = radio(_("My response"), labels.RESPONSE)
    text = forms.CharField(
        label=_("My reply"),
        required=False,
        max_length=MAX_REPLY,
        help_text=_("Needed unless you accept a Thinking Together."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    resolution = radio(_("How it ended"), labels.RESOLUTION)
    text = forms.CharField(
        label=_("A few words (optional)"),
        required=False,
        max_length=MAX_REPLY,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


UNITS = {"minutes": 60, "hours": 3600, "days": 86400}
UNIT_WORDS = {"minutes": _("minutes"), "hours": _("hours"), "days": _("days")}


class AnswerWithinWidget(forms.MultiWidget):
    """A number and its unit, each with its own name for screen readers."""

    def __init__(self) -> None:
        super().__init__(
            [
                forms.NumberInput(
                    attrs={
                        "min": 1,
                        "max": 999,
                        "inputmode": "numeric",
                        "aria-label": _("How many"),
                    }
                ),
                forms.Select(choices=list(UNIT_WORDS.items()), attrs={"aria-label": _("Unit")}),
            ]
        )

    def decompress(self, value: timedelta | None) -> list[Any]:
        if not value:
            return [None, "hours"]
        seconds = int(value.total_seconds())
        for unit in ("days", "hours"):
            if seconds % UNITS[unit] == 0:
                return [seconds // UNITS[unit], unit]
        return [max(1, -(-seconds // 60)), "minutes"]


class AnswerWithinField(forms.MultiValueField):
    """How long the colleague has to answer: a whole number of minutes, hours or days."""

    widget = AnswerWithinWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(min_value=1, max_value=999),
            forms.ChoiceField(choices=list(UNIT_WORDS.items())),
        )
        super().__init__(fields, **kwargs)

    def compress(self, data_list: list[Any]) -> timedelta | None:
        if not data_list:
            return None
        amount, unit = data_list
        return timedelta(seconds=amount * UNITS[unit])


class TimesForm(forms.Form):
    """Each level's time to answer, and who is above the team lead."""

    next_up_id = forms.TypedChoiceField(
        label=_("The next person up"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Who a concern goes to when it is escalated and the team lead is one of the two "
            "people in it."
        ),
    )

    def __init__(self, *args: Any, people: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in Level:
            name = labels.LEVEL[str(level.value)]
            self.fields[level.name.lower()] = AnswerWithinField(
                label=format_lazy(_("Time to answer at {level}"), level=name)
            )
        self.order_fields([level.name.lower() for level in Level])
        cast(forms.ChoiceField, self.fields["next_up_id"]).choices = [
            ("", _("Nobody named: an organisation admin")),
            *((p.pk, p.name) for p in people),
        ]
