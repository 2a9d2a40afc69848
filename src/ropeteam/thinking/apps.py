from django.apps import AppConfig


class ThinkingConfig(AppConfig):
    name = "ropeteam.thinking"
    label = "thinking"
    verbose_name = "Thinking Together"

    def ready(self) -> None:
        from ropeteam.escalation import engine  # noqa: PLC0415  apps are loading
        from ropeteam.thinking.emergency import EmergencyLadder  # noqa: PLC0415
        from ropeteam.thinking.tasks import Widening  # noqa: PLC0415

        engine.register(EmergencyLadder())
        engine.register(Widening())
