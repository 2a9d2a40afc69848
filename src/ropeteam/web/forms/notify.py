"""Forms for Settings → Notifications: e-mail, phone, quiet hours."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ropeteam.web.forms.base import time_input


class EmailForm(forms.Form):
    email = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send a link to it; alerts go there once you open the link."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Work mobile"),
        max_length=32,
        required=False,
        help_text=_("Shown on your rope card, so your rope holders can call you. Blank: none."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )


class QuietHoursForm(forms.Form):
    starts = forms.TimeField(label=_("Quiet from"), required=False, widget=time_input())
    ends = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=time_input(),
        help_text=_("Leave both blank for no quiet hours."),
    )


class VerifyForm(forms.Form):
    token = forms.CharField(max_length=200, widget=forms.HiddenInput)
