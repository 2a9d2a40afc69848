"""Passkeys (WebAuthn) through py_webauthn: the options a browser is given and the checks
of what it answers. No signature or CBOR is read by our code.

Every passkey is discoverable (the browser can offer it with no username typed) and
user-verifying (a fingerprint, face or device PIN), so one alone is two factors: the
device and what unlocks it. That is why a passkey may sign a person in on its own.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

RP_NAME = "Ropeteam"
TIMEOUT_MS = 120_000


class PasskeyRefused(Exception):
    """The browser's answer did not prove what it should (wrong site, challenge, key...)."""


@dataclass(frozen=True)
class Ceremony:
    """Options for the browser (JSON) and the challenge the answer must carry."""

    options_json: str
    challenge: str  # base64url, kept in the session until the answer comes


@dataclass(frozen=True)
class NewPasskey:
    credential_id: str  # base64url
    public_key: bytes
    sign_count: int


def _user_handle(user_id: int) -> bytes:
    # Opaque to the authenticator and anyone reading it: not the database id itself.
    return salted_hmac("ropeteam.people.passkey-user", str(user_id), algorithm="sha256").digest()


def registration(
    *, rp_id: str, user_id: int, username: str, name: str, exclude: list[str]
) -> Ceremony:
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=username,
        user_id=_user_handle(user_id),
        user_display_name=name,
        timeout=TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            require_resident_key=True,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in exclude
        ],
    )
    return Ceremony(options_to_json(options), bytes_to_base64url(options.challenge))


def registered(*, credential: str, challenge: str, rp_id: str, origins: list[str]) -> NewPasskey:
    """The new passkey the browser's answer proves, or PasskeyRefused."""
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(str(error)) from None
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )


def authentication(*, rp_id: str, allow: list[str]) -> Ceremony:
    """Options to sign in: any passkey of this site (`allow` empty), or one of these."""
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=TIMEOUT_MS,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(c)) for c in allow],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Ceremony(options_to_json(options), bytes_to_base64url(options.challenge))


def credential_id(credential: str) -> str | None:
    """Which passkey the browser says it used (to be proved by `authenticated`)."""
    try:
        parsed: Any = json.loads(credential)
        raw = parsed["rawId"] if isinstance(parsed, dict) else None
    except (ValueError, KeyError):
        return None
    return raw if isinstance(raw, str) and 0 < len(raw) <= 1400 else None


def authenticated(
    *,
    credential: str,
    challenge: str,
    rp_id: str,
    origins: list[str],
    public_key: bytes,
    sign_count: int,
) -> int:
    """The passkey's new signature count if the answer proves it, or PasskeyRefused."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=rp_id,
            expected_origin=origins,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise PasskeyRefused(str(error)) from None
    new_count: int = verified.new_sign_count
    return new_count
