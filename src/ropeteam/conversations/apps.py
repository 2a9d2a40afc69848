from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "ropeteam.conversations"
    label = "conversations"
    verbose_name = "Conversations"
