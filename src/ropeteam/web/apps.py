from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ropeteam.web"
    label = "web"
