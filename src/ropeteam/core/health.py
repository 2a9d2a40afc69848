"""Probes for load balancers and orchestrators: /healthz (process up) and the parts of
/readyz that every instance needs (the worker's part is `escalation.health.readyz`)."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> str:
    try:
        executor = MigrationExecutor(connection)
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError as error:
        return f"unreachable: {error.__class__.__name__}"
    return "ok" if pending == 0 else f"{pending} migrations not applied"


def _redis(url: str) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"unreachable: {error.__class__.__name__}"
    finally:
        client.close()
    return "ok"


def checks() -> dict[str, str]:
    """The parts every instance needs: the database (migrated) and Redis when configured."""
    found = {"database": _database()}
    if settings.REDIS_URL:
        found["redis"] = _redis(settings.REDIS_URL)
    return found


def answer(checks: dict[str, str]) -> JsonResponse:
    """200 when every check says "ok", else 503; the checks say why."""
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
