"""Reading settings from the environment, and the data folder the embedded default lives in."""

import os
import secrets
from pathlib import Path

PREFIX = "ROPETEAM_"


def env(name: str, default: str = "") -> str:
    """One setting from the environment; every name read here is in docs/configuration.md."""
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def data_dir() -> Path:
    path = Path(env("ROPETEAM_DATA", "./.ropeteam")).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def generated_secret(name: str, *, nbytes: int = 32) -> str:
    """A secret kept in the data folder, made on first use: only for demo and development.

    A production configuration must pass its secrets in the environment; `ropeteam check`
    and `ropeteam serve` refuse one that relies on these files.
    """
    path = data_dir() / f"{name}.secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()
