"""What the browser's scripts need from the server: their words, in the person's language.

Scripts never hold text of their own; pages hand it over as JSON data (`json_script`), which
the Content-Security-Policy allows because it is not executed.
"""

import math
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ropeteam.web.labels import MESSAGE_STATE


def strings() -> dict[str, str]:
    """Every word the realtime client and the thread page may show."""
    return {
        "live": _("Live: new messages appear as they arrive."),
        "connecting": _("Connecting…"),
        "offline": _(
            "Offline: what you write waits on this phone and is sent when the connection returns."
        ),
        "signed_out": _("You are signed out. Sign in again to send and receive messages."),
        **{state: str(words) for state, words in MESSAGE_STATE.items()},
        "not_sent": _("Not sent"),
        "copy": _("Copy the text"),
        "copied": _("Copied."),
        "discard": _("Discard"),
        "typing": _("%(name)s is writing…"),
        "new_message": _("New message from %(name)s: %(body)s"),
        "new_urgent_message": _("Urgent message from %(name)s: %(body)s"),
        "urgent": _("Urgent"),
        "you": _("You"),
        "too_old": _("This message waited too long on this device and was not sent."),
        "minutes_left": _("About %(n)s minutes left."),
        "one_minute_left": _("About a minute left."),
        "over_time": _("Over the time by %(n)s minutes: return to purpose."),
        "thinking_changed": _("This Thinking Together has changed."),
        "show_latest": _("Show the latest"),
        "alarm_waiting": _("Alarm not sent yet: it will be sent the moment you have a connection."),
        "alarm_sending": _("Sending the alarm…"),
        "not_connected": _(
            "Not connected — your alarm and messages will be sent when you are back."
        ),
        # The visit's countdown, worked out on the phone; %(n)s is a number of minutes.
        "minutes_left_one": ngettext("%(n)s min left", "%(n)s min left", 1),
        "minutes_left_many": ngettext("%(n)s min left", "%(n)s min left", 2),
        "overdue_one": ngettext("Overdue by %(n)s min", "Overdue by %(n)s min", 1),
        "overdue_many": ngettext("Overdue by %(n)s min", "Overdue by %(n)s min", 2),
        "visit_changed": _("This page has changed."),
        "concern_changed": _("This concern has changed."),
        "presence_changed": _("Who is available has changed."),
        "notifications_on": _("Notifications are on for this device."),
        "notifications_failed": _("Notifications could not be turned on: %(reason)s"),
        "notifications_unsupported": _("This browser cannot show notifications from Ropeteam."),
        "notifications_denied": _(
            "Notifications are blocked for Ropeteam in this browser's settings."
        ),
    }


def time_left(ends: datetime) -> str:
    """The Thinking Together timer as thinking.js words it, so the first paint already holds
    the text the script keeps up to date (the header does not change height on load)."""
    left = (ends - timezone.now()).total_seconds()
    minutes = math.ceil(abs(left) / 60)
    words = strings()
    if left < 0:
        return words["over_time"] % {"n": minutes}
    if minutes <= 1:
        return words["one_minute_left"]
    return words["minutes_left"] % {"n": minutes}
