"""Forms for pseudonymised cases: opening one, its details, its risk level."""

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.web import labels
from ropeteam.web.forms.base import MembersForm


class CaseDetailsForm(MembersForm):
    """Initials, age band and keyworkers: what can be corrected after a case is opened."""

    # The actions' `keyworker_ids` is this form's `keyworkers`.
    action_fields: ClassVar[dict[str, str]] = {"keyworker_ids": "keyworkers"}
    member_fields = ("keyworkers",)
    initials = forms.CharField(
        label=_("Initials"),
        max_length=8,
        help_text=_("Initials only, e.g. JT. Never a name."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    age_band = forms.ChoiceField(
        label=_("Age band"), choices=labels.choices(labels.AGE_BAND, blank=True)
    )
    keyworkers = forms.MultipleChoiceField(
        label=_("Keyworkers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {
            "initials": case.initials,
            "age_band": case.age_band,
            "keyworkers": [u.pk for u in case.keyworkers.all()],
        }

    def clean_keyworkers(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["keyworkers"]]


class CaseForm(CaseDetailsForm):
    field_order = ["reference", "initials", "age_band", "risk_level", "keyworkers", "reason"]
    reference = forms.CharField(
        label=_("Team reference"),
        max_length=24,
        help_text=_("The team's own code for this young person, e.g. NS-014."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=labels.choices(labels.RISK, blank=True)
    )
    reason = forms.CharField(
        label=_("Why this risk level? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RiskForm(forms.Form):
    # `change_risk(level=...)` is this form's `risk_level`.
    action_fields: ClassVar[dict[str, str]] = {"level": "risk_level"}
    risk_level = forms.ChoiceField(label=_("New risk level"), choices=labels.choices(labels.RISK))
    reason = forms.CharField(
        label=_("Why?"),
        max_length=500,
        help_text=_("Only what the team needs. No names, addresses or dates of birth."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
