from typing import Any

from django.http import HttpRequest


def current_team(request: HttpRequest) -> dict[str, Any]:
    return {}
