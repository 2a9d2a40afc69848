from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "ropeteam.visits"
    label = "visits"
    verbose_name = "Field visits"

    def ready(self) -> None:
        from ropeteam.escalation import engine  # noqa: PLC0415  apps are loading
        from ropeteam.visits.tasks import AlarmRepeats, RopeAsked, VisitChain  # noqa: PLC0415

        engine.register(VisitChain())
        engine.register(RopeAsked())
        engine.register(AlarmRepeats())
