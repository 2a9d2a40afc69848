from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "ropeteam.escalation"
    label = "escalation"
    verbose_name = "Escalation"
