"""The only writers of push subscriptions and deliveries.

A person is told about unread messages at most once per unread spell in a conversation:
from their last read until they read again. Push goes to every subscription they have;
e-mail only when no push got through.

Callers use the package: `actions.alert(...)`.
"""

from ropeteam.notify.actions._common import Hold
from ropeteam.notify.actions.alerts import alert, alert_address
from ropeteam.notify.actions.channels import (
    MAX_EMAIL,
    quiet_until,
    remove_email,
    request_email,
    set_quiet_hours,
    test_push,
    verify_email,
)
from ropeteam.notify.actions.subscriptions import LOOPBACK_HOSTS, subscribe_push, unsubscribe_push
from ropeteam.notify.actions.unread import Content, notify_unread

__all__ = [
    "LOOPBACK_HOSTS",
    "MAX_EMAIL",
    "Content",
    "Hold",
    "alert",
    "alert_address",
    "notify_unread",
    "quiet_until",
    "remove_email",
    "request_email",
    "set_quiet_hours",
    "subscribe_push",
    "test_push",
    "unsubscribe_push",
    "verify_email",
]
