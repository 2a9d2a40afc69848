from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "ropeteam.visits"
    label = "visits"
    verbose_name = "Field visits"
