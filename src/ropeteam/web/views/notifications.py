"""Settings → Notifications: where I am told things, and when not to be disturbed."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ropeteam.notify import actions, queries
from ropeteam.notify.access import access_device
from ropeteam.notify.flow import State
from ropeteam.people import actions as people
from ropeteam.people.models import User
from ropeteam.web.decorators import signed_in
from ropeteam.web.forms.base import REFUSED, submit
from ropeteam.web.forms.notify import EmailForm, PhoneForm, QuietHoursForm, VerifyForm
from ropeteam.web.views.render import page


def _page(
    request: HttpRequest,
    me: User,
    *,
    email_form: EmailForm | None = None,
    phone_form: PhoneForm | None = None,
    quiet_form: QuietHoursForm | None = None,
) -> HttpResponse:
    channels = queries.channels_of(me)
    quiet = channels.quiet_hours
    context = {
        "channels": channels,
        "devices": [(d, queries.device_name_of(d)) for d in channels.devices],
        "email_form": email_form or EmailForm(),
        "phone_form": phone_form or PhoneForm(initial={"phone": me.phone}),
        "quiet_form": quiet_form
        or QuietHoursForm(initial={"starts": quiet.starts, "ends": quiet.ends} if quiet else {}),
        "time_zone": settings.TIME_ZONE,
    }
    return page(request, "web/notifications.html", context)


@signed_in
def notifications(request: HttpRequest, me: User) -> HttpResponse:
    return _page(request, me)


@require_POST
@signed_in
def email(request: HttpRequest, me: User) -> HttpResponse:
    form = EmailForm(request.POST)
    if submit(form, lambda d: actions.request_email(actor=me, email=d["email"])) is REFUSED:
        return _page(request, me, email_form=form)
    messages.success(
        request,
        _("We sent a link to %(email)s: open it to confirm.")
        % {"email": form.cleaned_data["email"].strip()},
    )
    return redirect("web:notifications")


@require_POST
@signed_in
def email_remove(request: HttpRequest, me: User) -> HttpResponse:
    actions.remove_email(actor=me)
    messages.success(request, _("Ropeteam will not e-mail you any more."))
    return redirect("web:notifications")


@signed_in
def email_verify(request: HttpRequest, me: User) -> HttpResponse:
    # Opening the link only shows a button: mail scanners that open links must not use it up.
    if request.method != "POST":
        form = VerifyForm(initial={"token": request.GET.get("token", "")})
        return page(request, "web/email_verify.html", {"form": form})
    form = VerifyForm(request.POST)
    if submit(form, lambda d: actions.verify_email(actor=me, token=d["token"])) is REFUSED:
        return page(request, "web/email_verify.html", {"form": form})
    messages.success(request, _("Your e-mail address is confirmed: alerts can reach you there."))
    return redirect("web:notifications")


@require_POST
@signed_in
def phone(request: HttpRequest, me: User) -> HttpResponse:
    form = PhoneForm(request.POST)
    if submit(form, lambda d: people.set_phone(actor=me, phone=d["phone"])) is REFUSED:
        return _page(request, me, phone_form=form)
    messages.success(request, _("Your phone number is saved."))
    return redirect("web:notifications")


@require_POST
@signed_in
def quiet_hours(request: HttpRequest, me: User) -> HttpResponse:
    form = QuietHoursForm(request.POST)
    saved = submit(
        form, lambda d: actions.set_quiet_hours(actor=me, starts=d["starts"], ends=d["ends"])
    )
    if saved is REFUSED:
        return _page(request, me, quiet_form=form)
    messages.success(request, _("Your quiet hours are saved."))
    return redirect("web:notifications")


@require_POST
@signed_in
def device_test(request: HttpRequest, me: User, device_id: int) -> HttpResponse:
    state = actions.test_push(actor=me, subscription=access_device(me, device_id))
    if state == State.SENT:
        messages.success(request, _("A test notification is on its way to that device."))
    else:
        messages.error(request, _("That device did not take the test notification."))
    return redirect("web:notifications")


@require_POST
@signed_in
def device_remove(request: HttpRequest, me: User, device_id: int) -> HttpResponse:
    actions.unsubscribe_push(actor=me, subscription=access_device(me, device_id))
    messages.success(request, _("That device will not be sent notifications any more."))
    return redirect("web:notifications")
