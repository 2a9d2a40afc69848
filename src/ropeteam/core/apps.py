from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ropeteam.core"
    label = "core"
