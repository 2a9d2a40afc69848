from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ropeteam.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from ropeteam.conversations.signals import messages_stored  # noqa: PLC0415
        from ropeteam.notify.receivers import schedule_unread_check  # noqa: PLC0415

        messages_stored.connect(schedule_unread_check, dispatch_uid="notify.unread")
