from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ropeteam.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from ropeteam.conversations.signals import messages_stored  # noqa: PLC0415
        from ropeteam.notify.receivers import (  # noqa: PLC0415
            schedule_unread_check,
            tell_new_rope_holders,
        )
        from ropeteam.people.signals import rope_holders_added  # noqa: PLC0415

        messages_stored.connect(schedule_unread_check, dispatch_uid="notify.unread")
        rope_holders_added.connect(tell_new_rope_holders, dispatch_uid="notify.rope_holders")
