from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ropeteam.people"
    label = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from ropeteam.people import sessions  # noqa: PLC0415

        sessions.connect()  # sign-in, sign-out, a new password: audited, sockets closed
