"""Forms parse what people type; the actions decide whether it may be done."""

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any, Final, TypeVar, cast

from django import forms
from django.contrib.humanize.templatetags.humanize import ordinal
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.models import Case
from ropeteam.concerns.actions import MAX_PART, MAX_REPLY
from ropeteam.concerns.flow import Level
from ropeteam.conversations.flow import MAX_BODY
from ropeteam.core.errors import Conflict, InvalidInput
from ropeteam.people.actions import MAX_ROPE_HOLDERS
from ropeteam.people.flow import Availability, Grade, Role
from ropeteam.people.models import Organisation, User
from ropeteam.web import labels

T = TypeVar("T")


class Outcome(Enum):
    """What `submit` gives back instead of a result when nothing was done."""

    REFUSED = "refused"


REFUSED: Final = Outcome.REFUSED


# Action arguments whose form field has another name.
FORM_FIELDS = {"keyworker_ids": "keyworkers", "level": "risk_level", "expected_end": "back_by"}


def submit(form: forms.BaseForm, act: Callable[[dict[str, Any]], T]) -> T | Outcome:
    """Run an action on the form's clean data; a refusal becomes the form's error message.

    The message goes on the field the action names, or on the whole form. A form with no
    data (the page was only opened) is refused without a message, so it is simply shown.
    """
    if not form.is_valid():
        return REFUSED
    try:
        return act(form.cleaned_data)
    except (InvalidInput, Conflict) as error:
        field = FORM_FIELDS.get(error.field or "", error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return REFUSED


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def next_time(at: time, now: datetime) -> datetime:
    """The next moment the clock shows `at`: later today, or tomorrow if that has passed."""
    moment = timezone.make_aware(datetime.combine(timezone.localdate(now), at))
    return moment if moment > now else moment + timedelta(days=1)


class AvailabilityForm(forms.Form):
    status = forms.ChoiceField(
        label=_("I am"), choices=labels.choices(labels.STATUS), widget=forms.RadioSelect
    )
    until = forms.TimeField(
        label=_("Until (optional)"),
        required=False,
        widget=_time_input(),
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
    starts_at = forms.DateTimeField(label=_("Starts"), widget=_datetime_input())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=_datetime_input())

    def clean_lead(self) -> User:
        return self.members[int(self.cleaned_data["lead"])]


class CaseDetailsForm(MembersForm):
    """Initials, age band and keyworkers: what can be corrected after a case is opened."""

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
    risk_level = forms.ChoiceField(label=_("New risk level"), choices=labels.choices(labels.RISK))
    reason = forms.CharField(
        label=_("Why?"),
        max_length=500,
        help_text=_("Only what the team needs. No names, addresses or dates of birth."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


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


# --- Thinking Together ------------------------------------------------------------------------

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


def _radio(label: Any, kind: dict[str, Any], **kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=labels.choices(kind), widget=forms.RadioSelect, **kwargs
    )


class AskForm(MembersForm):
    """Think together: what I want from it, how soon, how, and whom to ask."""

    member_fields = ("named_id",)
    task = _radio(_("What I want from this"), labels.TASK)
    task_note = forms.CharField(
        label=_("In one sentence (optional)"),
        required=False,
        max_length=280,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    urgency = _radio(_("How soon"), labels.URGENCY, initial="now")
    mode = _radio(_("How"), labels.MODE, initial="chat")
    ask = _radio(_("Whom to ask"), labels.ASK, initial="rope")
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
        label=_("I could do it at (optional)"), required=False, widget=_time_input()
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

    met = _radio(_("Was the task met?"), labels.MET)
    product = forms.CharField(
        label=_("The product: the decision or understanding (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    next_step = _radio(_("Next step"), labels.NEXT_STEP, initial="close")
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
                widget=_datetime_input(),
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
    task = _radio(_("What I wanted from it"), labels.TASK)
    mode = _radio(_("How"), labels.MODE, initial="phone")
    met = _radio(_("Was the task met?"), labels.MET)
    next_step = _radio(_("Next step"), labels.NEXT_STEP, initial="close")
    steadiness_before = _steadiness(_("How steady did I feel before? (optional)"))
    steadiness_after = _steadiness(_("How steady do I feel now? (optional)"))
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Short, and only what the team needs. Kept encrypted."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    happened_at = forms.DateTimeField(label=_("When"), widget=_datetime_input())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper_id"].choices = [("", _("Choose…")), *self.member_choices]  # type: ignore[attr-defined]
        self.initial.setdefault(
            "happened_at", timezone.localtime().replace(second=0, microsecond=0)
        )


class VisitForm(MembersForm):
    """Go out on a visit: where, back by when, who holds my rope, and a note for them."""

    member_fields = ("rope_holder_id",)
    location = forms.CharField(
        label=_("Where"),
        help_text=_("Kept encrypted, shown only to those holding your rope, never in alerts."),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    back_by = forms.TimeField(label=_("Back by"), required=False, widget=_time_input())
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


# --- Concerns ---------------------------------------------------------------------------------


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
    response = _radio(_("My response"), labels.RESPONSE)
    text = forms.CharField(
        label=_("My reply"),
        required=False,
        max_length=MAX_REPLY,
        help_text=_("Needed unless you accept a Thinking Together."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResolveForm(forms.Form):
    resolution = _radio(_("How it ended"), labels.RESOLUTION)
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
    starts = forms.TimeField(label=_("Quiet from"), required=False, widget=_time_input())
    ends = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=_time_input(),
        help_text=_("Leave both blank for no quiet hours."),
    )


class VerifyForm(forms.Form):
    token = forms.CharField(max_length=200, widget=forms.HiddenInput)
