from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "ropeteam.concerns"
    label = "concerns"
    verbose_name = "Concerns"
