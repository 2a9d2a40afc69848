"""The VAPID key pair that identifies this server to push services (RFC 8292).

The private key is the raw 32-byte P-256 scalar in base64url, as `ropeteam keys vapid`
prints it; browsers subscribe with the public key (the uncompressed point), which
`GET /api/v1/push/key` serves.
"""

import base64
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    """Bytes from base64url with or without padding; ValueError if it is not base64url."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", text):
        raise ValueError("not base64url")
    stripped = text.rstrip("=")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def private_key_from(raw: str) -> ec.EllipticCurvePrivateKey:
    """The key from its base64url form; ValueError if it is not a P-256 private key."""
    secret = b64url_decode(raw)
    if len(secret) != 32:
        raise ValueError("a VAPID private key is 32 bytes")
    return ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    """The application server key browsers subscribe with: the uncompressed point, base64url."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def new_key_pair() -> tuple[str, str]:
    """A fresh (private, public) pair in the forms the configuration and browsers use."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big")), public_key_of(key)


def private_key() -> ec.EllipticCurvePrivateKey:
    return private_key_from(settings.VAPID_PRIVATE_KEY)


def public_key() -> str:
    return public_key_of(private_key())
