"""Forms for field visits: going out, and the team's escalation times."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.web.forms.base import MembersForm, next_time, offer_cases, time_input


class VisitForm(MembersForm):
    """Go out on a visit: where, back by when, who holds my rope, and a note for them."""

    # `start_visit(expected_end=...)` comes from this form's `back_by` (or a quick button).
    action_fields: ClassVar[dict[str, str]] = {"expected_end": "back_by"}
    member_fields = ("rope_holder_id",)
    location = forms.CharField(
        label=_("Where"),
        help_text=_("Kept encrypted, shown only to those holding your rope, never in alerts."),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    back_by = forms.TimeField(label=_("Back by"), required=False, widget=time_input())
    rope_holder_id = forms.TypedChoiceField(
        label=_("Rope holder"), required=False, coerce=int, empty_value=None
    )
    case_id = forms.TypedChoiceField(
        label=_("Case (optional)"), required=False, coerce=int, empty_value=None
    )
    note = forms.CharField(
        label=_("A note for your rope holder (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, cases: Sequence[Case] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        holder = cast(forms.ChoiceField, self.fields["rope_holder_id"])
        holder.choices = [("", _("My first available rope holder")), *self.member_choices]
        offer_cases(self, cases)
        if not self.is_bound:
            self.initial["back_by"] = timezone.localtime() + timedelta(hours=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        back_in = self.data.get("back_in", "") if self.is_bound else ""
        now = timezone.now()
        if back_in in QUICK_RETURNS:
            data["expected_end"] = now + timedelta(minutes=int(back_in))
        elif data.get("back_by") is not None:
            data["expected_end"] = next_time(data["back_by"], now)
        elif "back_by" not in self.errors:
            self.add_error("back_by", _("Say when you will be back."))
        return data


QUICK_RETURNS = ("30", "60", "120")  # the "back in" buttons, in minutes


class ChainForm(forms.Form):
    """A team's escalation times, in minutes after the expected end."""

    prompt_worker = forms.IntegerField(label=_("Ask the worker if they are OK"), min_value=0)
    rope_holder = forms.IntegerField(label=_("Alert the rope holder"), min_value=1)
    duty_lead = forms.IntegerField(label=_("Alert the duty lead"), min_value=1)
    team_lead = forms.IntegerField(
        label=_("Alert the team lead and the out-of-hours contact"), min_value=1
    )
