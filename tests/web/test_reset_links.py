"""Reset links live an hour; secrets in links stay out of the access log (docs/security.md)."""

import logging
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator

from ropeteam.core.accesslog import RedactSecrets, redact
from tests.conftest import World


def test_a_reset_token_works_for_an_hour_and_not_after(world: World) -> None:
    made_at = datetime(2026, 5, 1, 9, 0)  # noqa: DTZ001  the generator counts in naive time
    with mock.patch.object(default_token_generator, "_now", return_value=made_at):
        token = default_token_generator.make_token(world.sam)
    for later, works in [(timedelta(minutes=59), True), (timedelta(minutes=61), False)]:
        with mock.patch.object(default_token_generator, "_now", return_value=made_at + later):
            assert default_token_generator.check_token(world.sam, token) is works


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/join/Xy7-secret_token/", "/join/[redacted]/"),
        ("/reset/MTI/cd3kz-0123abcdef/", "/reset/MTI/[redacted]/"),
        ("/reset/MTI/set-password/", "/reset/MTI/set-password/"),
        ("/visits/12/on-it/a1.b2:c3/", "/visits/12/on-it/[redacted]/"),
        ("/settings/notifications/verify/?token=abc", "/settings/notifications/verify/?[redacted]"),
        ("/team/members/4/", "/team/members/4/"),
    ],
)
def test_the_access_log_shows_no_token(path: str, logged: str) -> None:
    assert redact(path) == logged


def test_the_filter_rewrites_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', None, None
    )
    record.args = ("127.0.0.1:5000", "GET", "/join/secret/", "1.1", 200)
    assert RedactSecrets().filter(record)
    assert "secret" not in record.getMessage()
