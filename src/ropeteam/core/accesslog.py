"""The access log without the secrets some links carry in their path.

Invitation, password-reset and "I'm on it" links are capabilities: whoever reads them in a
log file, a log shipper or a support ticket could use them. uvicorn logs each request's
path, and Django logs the path of each refused request; this filter replaces those
path segments, and every query string (e-mail
confirmation links carry theirs there), before any handler sees the line.
"""

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"
_SECRET_PATHS = [
    # Django's reset view swaps the token for "set-password" at once; that page is harmless.
    re.compile(r"^(/reset/[^/]+/)(?!set-password/)[^/?]+"),
    re.compile(r"^(/join/)[^/?]+"),
    re.compile(r"^(/visits/\d+/on-it/)[^/?]+"),
]


def redact(path: str) -> str:
    """`path` as the access log may show it."""
    path, question, _query = path.partition("?")
    for pattern in _SECRET_PATHS:
        path = pattern.sub(rf"\g<1>{REDACTED}", path)
    return path + (f"?{REDACTED}" if question else "")


class RedactSecrets(logging.Filter):
    """Rewrites paths in log records: uvicorn's access lines (client, method, path, version,
    status) and Django's "Not Found: /path" and the like."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with the filter on its access logger."""
    from uvicorn.config import LOGGING_CONFIG  # noqa: PLC0415  only the server needs uvicorn

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": f"{__name__}.RedactSecrets"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact"]
    return config
