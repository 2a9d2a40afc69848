"""Schemathesis fuzzes every API operation: whatever it sends, never a 500 or a broken schema.

Requests go through the real WSGI stack with a lead's token, so they reach the actions
(a 404 for unknown ids is fine; a crash or a response that breaks its schema is not).
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from ropeteam.api.main import api
from ropeteam.people.actions import create_token
from tests.conftest import World

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))


@pytest.fixture
def lead_token(world: World) -> Iterator[str]:
    _token, raw = create_token(actor=world.priya, name="fuzz")
    # Like Django's test client: a request must not close the connection that holds this
    # test's transaction, neither as it starts nor as it finishes.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield raw
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_makes_the_api_fail(case: Any, lead_token: str) -> None:
    response = case.call(
        app=get_wsgi_application(),
        base_url="http://127.0.0.1/",
        # The WSGI client does not undo gzip (GZipMiddleware), as a browser or HTTP library does.
        headers={"Authorization": f"Bearer {lead_token}", "Accept-Encoding": "identity"},
    )
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
