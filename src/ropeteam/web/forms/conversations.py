"""The form that sends a message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ropeteam.conversations.flow import MAX_BODY


class MessageForm(forms.Form):
    # Made when the page is shown, so sending the same form twice stores one message.
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    # Not required here: the action says "Write something to send." in its own words.
    body = forms.CharField(
        label=_("Message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_BODY}),
    )
    urgent = forms.BooleanField(
        label=_("Urgent"),
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "urgent-hint"}),
        help_text=_(
            "If it stays unread, they are reminded, then their rope holders and the duty lead "
            "are told (without your words)."
        ),
    )
