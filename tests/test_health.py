from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ropeteam.escalation import health


def test_healthz_answers_while_the_process_runs(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database_and_redis_when_configured(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    health.beat(worker="test-host:1", started_at=timezone.now())  # a worker runs
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert ("redis" in checks) == bool(settings.REDIS_URL)


@pytest.mark.django_db
def test_readyz_says_unavailable_when_redis_is_unreachable(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("unreachable")


def test_probes_answer_over_plain_http_when_https_is_enforced(
    client: Client, settings: Any
) -> None:
    # A load balancer probes over plain HTTP inside the network: a redirect to https would
    # read as "not healthy".
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301
