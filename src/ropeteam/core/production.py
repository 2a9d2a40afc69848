"""What a production configuration must have; `ropeteam check` and `ropeteam serve` ask this."""

import base64
import binascii

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def problems() -> list[str]:
    """Each insecure or missing setting, said as what to fix."""
    found: list[str] = []
    if not settings.SECRET_KEY_FROM_ENV:
        found.append("Set ROPETEAM_SECRET_KEY to a long random value (at least 50 characters).")
    elif len(settings.SECRET_KEY) < 50:
        found.append("ROPETEAM_SECRET_KEY is too short: use at least 50 random characters.")
    if settings.DEBUG:
        found.append("Unset ROPETEAM_DEBUG: debug pages show internals to anyone.")
    if not settings.ENCRYPTION_KEYS_FROM_ENV:
        found.append(
            "Set ROPETEAM_ENCRYPTION_KEYS (id:base64 key of 32 bytes) so free text is "
            "encrypted with a key you keep, not one generated in the data folder."
        )
    for key_id, key in settings.ENCRYPTION_KEYS.items():
        if len(key) != 32:
            found.append(f"Encryption key {key_id!r} must be 32 bytes (base64 of 32 bytes).")
    if not settings.AUDIT_KEYS_FROM_ENV:
        found.append(
            "Set ROPETEAM_AUDIT_KEYS (id:base64 key of 32 bytes) so the audit chain is keyed "
            "with a key kept outside the database, not one generated in the data folder."
        )
    if "*" in settings.ALLOWED_HOSTS:
        found.append("ROPETEAM_ALLOWED_HOSTS must name your hosts, not '*'.")
    found += _push_problems()
    if not settings.BASE_URL.startswith("https://"):
        found.append(
            "Set ROPETEAM_BASE_URL to the https:// address people open Ropeteam at: "
            "links in e-mail start with it."
        )
    return found


def _push_problems() -> list[str]:
    found: list[str] = []
    if not settings.VAPID_KEY_FROM_ENV:
        found.append(
            "Set ROPETEAM_VAPID_PRIVATE_KEY (make one with `ropeteam keys vapid`) so push "
            "notifications are signed with a key you keep, not one generated in the data folder."
        )
    elif not _is_vapid_key(settings.VAPID_PRIVATE_KEY):
        found.append(
            "ROPETEAM_VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes in base64url, "
            "as `ropeteam keys vapid` prints it."
        )
    if not settings.VAPID_SUBJECT_FROM_ENV:
        found.append(
            "Set ROPETEAM_VAPID_SUBJECT to a mailto: or https: address where push services "
            "can reach you."
        )
    elif not settings.VAPID_SUBJECT.startswith(("mailto:", "https://")):
        found.append("ROPETEAM_VAPID_SUBJECT must start with mailto: or https://.")
    return found


def _is_vapid_key(raw: str) -> bool:
    try:
        secret = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        if len(secret) != 32:
            return False
        ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
    except (ValueError, binascii.Error):
        return False
    return True
