"""Searching the audit trail (for an organisation's auditors)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class AuditSearchForm(forms.Form):
    person = forms.CharField(
        label=_("Person (username)"),
        required=False,
        max_length=150,
        help_text=_("What they did, and what was done to their account."),
    )
    case = forms.CharField(label=_("Case reference"), required=False, max_length=64)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_('An action, or the start of one: "case." finds every case action.'),
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data
