from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "ropeteam.notify"
    label = "notify"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from ropeteam.conversations.signals import messages_stored  # noqa: PLC0415
        from ropeteam.escalation import engine  # noqa: PLC0415
        from ropeteam.notify.receivers import (  # noqa: PLC0415
            open_urgent_chains,
            schedule_unread_check,
            tell_new_rope_holders,
        )
        from ropeteam.notify.urgent import UrgentLadder  # noqa: PLC0415
        from ropeteam.people.signals import rope_holders_added  # noqa: PLC0415

        engine.register(UrgentLadder())
        messages_stored.connect(schedule_unread_check, dispatch_uid="notify.unread")
        messages_stored.connect(open_urgent_chains, dispatch_uid="notify.urgent")
        rope_holders_added.connect(tell_new_rope_holders, dispatch_uid="notify.rope_holders")
