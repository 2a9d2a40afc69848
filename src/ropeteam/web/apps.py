from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ropeteam.web"
    label = "web"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from ropeteam.web.middleware import note_factor_policy  # noqa: PLC0415

        user_logged_in.connect(note_factor_policy, dispatch_uid="web-factor-policy")
