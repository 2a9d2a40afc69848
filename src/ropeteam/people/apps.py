from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ropeteam.people"
    label = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out  # noqa: PLC0415

        from ropeteam.people import receivers  # noqa: PLC0415

        user_logged_out.connect(receivers.signed_out, dispatch_uid="people-signed-out")
