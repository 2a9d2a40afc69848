from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ropeteam.cases"
    label = "cases"
    verbose_name = "Cases"
