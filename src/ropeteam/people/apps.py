from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ropeteam.people"
    label = "people"
    verbose_name = "People and teams"
