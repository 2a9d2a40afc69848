from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "ropeteam.conversations"
    label = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from ropeteam.conversations.live import signals  # noqa: PLC0415

        signals.connect()
