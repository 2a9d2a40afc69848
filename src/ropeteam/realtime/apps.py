from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "ropeteam.realtime"
    label = "realtime"
    verbose_name = "Realtime"
