"""Forms for Thinking Together: asking, declining, inviting, the outcome, a quick record."""

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.people.models import User
from ropeteam.web import labels
from ropeteam.web.forms.base import (
    MembersForm,
    datetime_input,
    next_time,
    offer_cases,
    radio,
    time_input,
)

STEADINESS_CHOICES = [("", _("Not now")), *((str(n), str(n)) for n in range(11))]


def _steadiness(label: Any) -> forms.TypedChoiceField:
    """0 to 10 in one tap on a phone, or left out: a select rather than a slider."""
    return forms.TypedChoiceField(
        label=label,
        required=False,
        choices=STEADINESS_CHOICES,
        coerce=int,
        empty_value=None,
        help_text=_("0 is not steady at all, 10 completely steady."),
    )


class AskForm(MembersForm):
    """Think together: what I want from it, how soon, how, and whom to ask."""

    member_fields = ("named_id",)
    task = radio(_("What I want from this"), labels.TASK)
    task_note = forms.CharField(
        label=_("In one sentence (optional)"),
        required=False,
        max_length=280,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    urgency = radio(_("How soon"), labels.URGENCY, initial="now")
    mode = radio(_("How"), labels.MODE, initial="chat")
    ask = radio(_("Whom to ask"), labels.ASK, initial="rope")
    named_id = forms.TypedChoiceField(
        label=_("The named colleague"), required=False, coerce=int, empty_value=None
    )
    case_id = forms.TypedChoiceField(
        label=_("About a case (optional)"), required=False, coerce=int, empty_value=None
    )
    steadiness = _steadiness(_("How steady do I feel? (optional)"))

    def __init__(self, *args: Any, cases: Sequence[Case] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        named = cast(forms.ChoiceField, self.fields["named_id"])
        named.choices = [("", _("Choose…")), *self.member_choices]
        offer_cases(self, cases)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not now? (optional)"),
        required=False,
        max_length=280,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    later = forms.TimeField(
        label=_("I could do it at (optional)"), required=False, widget=time_input()
    )

    def clean_later(self) -> datetime | None:
        later: time | None = self.cleaned_data["later"]
        return next_time(later, timezone.now()) if later else None


class ColleagueForm(MembersForm):
    member_fields = ("colleague_id",)
    colleague_id = forms.TypedChoiceField(label=_("Colleague"), coerce=int)


class FacilitatorForm(MembersForm):
    member_fields = ("facilitator_id",)
    facilitator_id = forms.TypedChoiceField(label=_("Facilitator"), coerce=int)


AGREED_ROWS = 3  # actions the outcome form offers without script


class OutcomeForm(MembersForm):
    """Step 4, Return to purpose: the task met, the product, the next step, the actions."""

    met = radio(_("Was the task met?"), labels.MET)
    product = forms.CharField(
        label=_("The product: the decision or understanding (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step = radio(_("Next step"), labels.NEXT_STEP, initial="close")
    invited_ids = forms.TypedMultipleChoiceField(
        label=_("Whom to bring in (when widening the quorum now)"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They join this Thinking Together at once and are told on their phones."),
    )
    steadiness_after = _steadiness(_("How steady do I feel now? (optional)"))
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Short, and only what the team needs. Kept encrypted."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, colleagues: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invited = cast(forms.TypedMultipleChoiceField, self.fields["invited_ids"])
        invited.choices = [(c.pk, c.name) for c in colleagues]
        if not colleagues:
            invited.help_text = _("Everyone in the team is in it already.")
        owners = [("", _("Nobody")), *self.member_choices]
        for row in range(1, AGREED_ROWS + 1):
            self.fields[f"action_{row}_owner"] = forms.TypedChoiceField(
                label=_("Action %(n)d: who") % {"n": row},
                required=False,
                choices=owners,
                coerce=int,
                empty_value=None,
            )
            self.fields[f"action_{row}_what"] = forms.CharField(
                label=_("Action %(n)d: what") % {"n": row}, required=False, max_length=280
            )
            self.fields[f"action_{row}_due"] = forms.DateTimeField(
                label=_("Action %(n)d: by when (optional)") % {"n": row},
                required=False,
                widget=datetime_input(),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agreed = []
        for row in range(1, AGREED_ROWS + 1):
            owner, what = data.get(f"action_{row}_owner"), data.get(f"action_{row}_what", "")
            if not what.strip():
                continue  # the first row offers me as its owner: no words, no action
            if owner is None:
                self.add_error(f"action_{row}_owner", _("Choose who will do it."))
                continue
            agreed.append((owner, what, data.get(f"action_{row}_due")))
        data["agreed"] = agreed
        if data.get("next_step") != "widen":
            data["invited_ids"] = []  # ticked, then another next step chosen: nobody is invited
        return data


class QuickRecordForm(MembersForm):
    """A Thinking Together that happened without the app, in under a minute."""

    member_fields = ("helper_id",)
    helper_id = forms.TypedChoiceField(label=_("Who I thought with"), coerce=int)
    task = radio(_("What I wanted from it"), labels.TASK)
    mode = radio(_("How"), labels.MODE, initial="phone")
    met = radio(_("Was the task met?"), labels.MET)
    next_step = radio(_("Next step"), labels.NEXT_STEP, initial="close")
    steadiness_before = _steadiness(_("How steady did I feel before? (optional)"))
    steadiness_after = _steadiness(_("How steady do I feel now? (optional)"))
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Short, and only what the team needs. Kept encrypted."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    happened_at = forms.DateTimeField(label=_("When"), widget=datetime_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper_id"].choices = [("", _("Choose…")), *self.member_choices]  # type: ignore[attr-defined]
        self.initial.setdefault(
            "happened_at", timezone.localtime().replace(second=0, microsecond=0)
        )
