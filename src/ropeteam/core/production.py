"""What a production configuration must have; `ropeteam check` and `ropeteam serve` ask this."""

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
    if "*" in settings.ALLOWED_HOSTS:
        found.append("ROPETEAM_ALLOWED_HOSTS must name your hosts, not '*'.")
    return found
