"""Forms for people: availability, rope holders, members, invitations, joining, the rota,
tokens and teams."""

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.humanize.templatetags.humanize import ordinal
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ropeteam.people.actions import MAX_ROPE_HOLDERS
from ropeteam.people.flow import Availability, Grade, Role
from ropeteam.people.models import Organisation, User
from ropeteam.web import labels
from ropeteam.web.forms.base import MembersForm, datetime_input, next_time, time_input


class AvailabilityForm(forms.Form):
    status = forms.ChoiceField(
        label=_("I am"), choices=labels.choices(labels.STATUS), widget=forms.RadioSelect
    )
    until = forms.TimeField(
        label=_("Until (optional)"),
        required=False,
        widget=time_input(),
        help_text=_("A time earlier than now means tomorrow."),
    )

    @classmethod
    def showing(cls, availability: Availability) -> "AvailabilityForm":
        until = availability.until
        return cls(
            initial={
                "status": availability.status,
                "until": timezone.localtime(until).time() if until else None,
            }
        )

    def clean_until(self) -> datetime | None:
        until: time | None = self.cleaned_data["until"]
        return next_time(until, timezone.now()) if until else None


class RopeHoldersForm(MembersForm):
    """Up to five colleagues in the order they are tried; blanks are skipped."""

    def __init__(self, *args: Any, current: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for position in range(1, MAX_ROPE_HOLDERS + 1):
            self.fields[f"holder_{position}"] = forms.ChoiceField(
                label=ordinal(position),
                required=False,
                choices=[("", _("Nobody")), *self.member_choices],
            )
        self.initial.update({f"holder_{i}": u.pk for i, u in enumerate(current, start=1)})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get(f"holder_{p}") for p in range(1, MAX_ROPE_HOLDERS + 1)]
        data["holders"] = [self.members[int(c)] for c in chosen if c]
        return data


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=labels.choices(labels.ROLE))
    grade = forms.ChoiceField(label=_("Grade"), choices=labels.choices(labels.GRADE))
    profession = forms.CharField(label=_("Profession"), max_length=80, required=False)


class InvitationForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=labels.choices(labels.ROLE), initial=Role.PRACTITIONER
    )
    grade = forms.ChoiceField(
        label=_("Grade"), choices=labels.choices(labels.GRADE), initial=Grade.PRACTITIONER
    )
    note = forms.CharField(
        label=_("Who is it for? (optional)"),
        max_length=120,
        required=False,
        help_text=_("Only the team sees this, e.g. “new keyworker starting Monday”."),
    )


class JoinForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(
        label=_("Your name as colleagues know it"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Work mobile (optional)"),
        max_length=32,
        required=False,
        help_text=_("So the people holding your rope can call you."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_(
            "At least 12 characters. Not a common password, and not your name, username, "
            "team or organisation. A few unrelated words make a good one."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class ShiftForm(MembersForm):
    member_fields = ("lead",)
    lead = forms.ChoiceField(label=_("Duty lead"))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=datetime_input())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=datetime_input())

    def clean_lead(self) -> User:
        return self.members[int(self.cleaned_data["lead"])]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What the token is for, e.g. the device that will use it."),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("New team's name"), max_length=120)

    def __init__(self, data: QueryDict | None = None, *, organisation: Organisation) -> None:
        super().__init__(data, prefix=f"org{organisation.pk}")
        self.organisation = organisation
