"""Forms of the second factor: a code at sign-in, confirming the authenticator app."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


def _code_field(label: "_StrPromise", help_text: "_StrPromise") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )


class SecondStepForm(forms.Form):
    code = _code_field(
        _("Code"),
        _("The 6-digit code your authenticator app shows now, or one of your recovery codes."),
    )


class ConfirmTotpForm(forms.Form):
    code = _code_field(_("Code from the app"), _("The 6 digits the app shows now."))


class PasskeyNameForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the new passkey"),
        max_length=80,
        required=False,
        help_text=_("Which phone or key it is on, e.g. “work phone”."),
    )
