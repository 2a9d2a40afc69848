"""The audit chain's head, checkpointed outside the database.

After each entry commits, its position and hash are written to `AUDIT_HEAD_FILE` (a small
JSON file; only ever moved forward, under a file lock, so processes writing at once keep the
furthest). `verify_chain` then knows how many entries there must be: deleting the newest
entries, which leaves an intact chain behind, shows as missing ones, and a chain recomputed
from some entry on shows as a head that no longer matches.
"""

import fcntl
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    entries: int
    hash: str


def _path() -> Path:
    return Path(settings.AUDIT_HEAD_FILE)


def read() -> Head | None:
    """The last checkpoint, or None when no keyed entry was ever written here."""
    try:
        raw = json.loads(_path().read_text())
        return Head(entries=int(raw["entries"]), hash=str(raw["hash"]))
    except FileNotFoundError:
        return None


def advance(entries: int, hash_: str) -> None:
    """Checkpoint the entry at `entries`, unless a later one is already there. Runs after the
    entry committed: a failure here is logged, and the change itself stands."""
    try:
        fd = os.open(_path(), os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            text = handle.read()
            if text and int(json.loads(text)["entries"]) >= entries:
                return
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"entries": entries, "hash": hash_}))
    except (OSError, ValueError, KeyError):
        log.exception("could not checkpoint the audit chain's head at entry %d", entries)
