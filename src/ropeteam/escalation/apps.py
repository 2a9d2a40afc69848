from django.apps import AppConfig


class EscalationConfig(AppConfig):
    name = "ropeteam.escalation"
    label = "escalation"
    verbose_name = "Escalation"

    def ready(self) -> None:
        from ropeteam.escalation.engine import oldest_due  # noqa: PLC0415  apps are loading
        from ropeteam.escalation.health import register_due  # noqa: PLC0415

        # /readyz counts an engine step left overdue like any other late deadline.
        register_due("steps", oldest_due)
