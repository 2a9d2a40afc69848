"""Secrets handed out once (API tokens, invitation links) and stored only as hashes.

They carry 256 bits of randomness, so a plain SHA-256 is enough: there is nothing to guess.
"""

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
