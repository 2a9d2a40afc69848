from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "ropeteam.concerns"
    label = "concerns"
    verbose_name = "Concerns"

    def ready(self) -> None:
        from ropeteam.concerns.tasks import Unanswered  # noqa: PLC0415  apps are loading
        from ropeteam.escalation import engine  # noqa: PLC0415

        engine.register(Unanswered())
