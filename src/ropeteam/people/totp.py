"""Authenticator-app codes (RFC 6238, computed by django-otp) and recovery codes.

Nothing here is cryptography of our own: django-otp's `TOTP` computes and checks codes;
keys and recovery codes come from `secrets`; recovery codes are kept as an HMAC under
SECRET_KEY, so someone who copies the database cannot try guesses against them offline.
"""

import base64
import binascii
import re
import secrets
import time
from urllib.parse import quote, urlencode

import segno
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP

KEY_BYTES = 20  # 160 bits, as RFC 4226 recommends for HMAC-SHA1
DIGITS = 6
STEP_SECONDS = 30
# One step either side: a phone's clock a little off, or a code typed as it changed.
TOLERANCE_STEPS = 1
RECOVERY_CODES = 10
# Crockford-like alphabet without 0/O and 1/I/L, so a code copied from paper reads back.
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_RECOVERY_LENGTH = 12  # about 59 bits: beyond guessing within any sign-in limit


def new_key() -> str:
    """A fresh secret key, hex-encoded as it is stored."""
    return secrets.token_hex(KEY_BYTES)


def key_base32(key_hex: str) -> str:
    """The key as authenticator apps take it when typed in."""
    return base64.b32encode(binascii.unhexlify(key_hex)).decode().rstrip("=")


def otpauth_uri(key_hex: str, *, account: str, issuer: str) -> str:
    """The `otpauth://` address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": key_base32(key_hex), "issuer": issuer, "digits": DIGITS})
    return f"otpauth://totp/{label}?{query}"


def qr_svg(uri: str) -> str:
    """The address as an inline SVG QR code (no script, no external image)."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return svg


def code_now(key_hex: str, *, at: float | None = None) -> str:
    """The code an authenticator app shows at `at` (now by default)."""
    totp = TOTP(binascii.unhexlify(key_hex), step=STEP_SECONDS, digits=DIGITS)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{DIGITS}d}"


def accepted_step(key_hex: str, code: str, *, after_step: int) -> int | None:
    """The time step `code` belongs to, if it is right now and newer than `after_step`."""
    digits = re.sub(r"\s", "", code)
    if not re.fullmatch(rf"[0-9]{{{DIGITS}}}", digits):
        return None
    totp = TOTP(binascii.unhexlify(key_hex), step=STEP_SECONDS, digits=DIGITS)
    totp.time = time.time()
    if not totp.verify(int(digits), tolerance=TOLERANCE_STEPS, min_t=after_step + 1):
        return None
    step: int = totp.t()
    return step


def new_recovery_codes() -> list[str]:
    """Fresh recovery codes, shown to the person once, as `ABCD-EFGH-JKMN`."""
    codes = []
    for _n in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _c in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", code.upper())


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise_recovery_code(code)) == _RECOVERY_LENGTH


def hash_recovery_code(user_id: int, code: str) -> str:
    """What is stored for a recovery code: bound to its person, keyed by SECRET_KEY."""
    value = f"{user_id}:{normalise_recovery_code(code)}"
    return salted_hmac("ropeteam.people.recovery", value, algorithm="sha256").hexdigest()
