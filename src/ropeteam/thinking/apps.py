from django.apps import AppConfig


class ThinkingConfig(AppConfig):
    name = "ropeteam.thinking"
    label = "thinking"
    verbose_name = "Thinking Together"
