from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "ropeteam.visits"
    label = "visits"
    verbose_name = "Field visits"

    def ready(self) -> None:
        from ropeteam.escalation.health import register_due  # noqa: PLC0415  apps are loading
        from ropeteam.visits.queries import oldest_due  # noqa: PLC0415

        register_due("visits", oldest_due)
