"""Real parts for notification tests: a push service and a mail server on 127.0.0.1.

`push_service` is a Web Push service in a thread. Like a real one it refuses a push whose
VAPID token does not verify (ES256 signature with the key in the header, `aud` its own
origin, `exp` ahead), and like a browser it decrypts the aes128gcm payload with the
subscriber's private key and auth secret, so tests read what a phone would show.
`mail_server` is an SMTP server (aiosmtpd) in a thread.
"""

import base64
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.notify import actions, vapid
from ropeteam.notify.models import PushSubscription
from ropeteam.people.models import User
from tests.api.conftest import Api, token_for
from tests.conftest import World


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """One subscribed browser: the keys only it holds, and its endpoint."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Push:
    """A push the service accepted, decrypted as the browser would read it."""

    token: str
    claims: dict[str, Any]
    headers: dict[str, str]
    raw: bytes
    payload: dict[str, Any]


@dataclass
class PushService:
    origin: str
    browsers: dict[str, Browser] = field(default_factory=dict)
    received: list[Push] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    # What to answer, per endpoint token; 201 Created unless said otherwise.
    answers: dict[str, int] = field(default_factory=dict)

    def browser(self) -> Browser:
        token = secrets.token_urlsafe(12)
        made = Browser(
            endpoint=f"{self.origin}/push/{token}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )
        self.browsers[token] = made
        return made

    def subscribe(self, user: User) -> Browser:
        """A new browser of `user`, subscribed through the action the API calls."""
        made = self.browser()
        keys = made.subscription_json()["keys"]
        actions.subscribe_push(
            actor=user, endpoint=made.endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
        )
        return made

    def answer(self, browser: Browser, status: int) -> None:
        self.answers[browser.endpoint.rsplit("/", 1)[1]] = status

    def handle(self, token: str, headers: dict[str, str], body: bytes) -> int:
        browser = self.browsers.get(token)
        if browser is None:
            return 404
        try:
            claims = self._verify_vapid(headers.get("authorization", ""))
        except (ValueError, KeyError, InvalidSignature) as error:
            self.refused.append(f"{type(error).__name__}: {error}")
            return 401
        status = self.answers.get(token, 201)
        if status == 201:
            if headers.get("content-encoding") != "aes128gcm":
                self.refused.append("content-encoding " + headers.get("content-encoding", ""))
                return 400
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
            )
            self.received.append(Push(token, claims, headers, body, json.loads(plain)))
        return status

    def _verify_vapid(self, authorization: str) -> dict[str, Any]:
        scheme, _space, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise ValueError(f"scheme {scheme!r}")
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        token, key = parts["t"], parts["k"]
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')!r}")
        signature = unb64url(signature_b64)
        if len(signature) != 64:
            raise ValueError("an ES256 signature is 64 bytes")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.origin!r}")
        if not int(claims.get("exp", 0)) > time.time():
            raise ValueError("expired")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise ValueError(f"sub {claims.get('sub')!r}")
        # The key in the header must be the one browsers subscribed with.
        if key != vapid.public_key():
            raise ValueError("not this server's key")
        return claims


def _start_push_service() -> tuple[PushService, ThreadingHTTPServer]:
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            token = self.path.rsplit("/", 1)[-1]
            status = service.handle(token, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(origin=f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service, server


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    """`api("sam")` gives a JSON client authenticated with a token of that persona."""
    return lambda name: Api(Client(), token_for(getattr(world, name)))


@pytest.fixture
def push_allowed(settings: Any) -> None:
    # Our push service is plain HTTP on loopback, which only demo and debug accept.
    settings.PUSH_ALLOW_LOOPBACK = True


@pytest.fixture
def push_service(push_allowed: None) -> Iterator[PushService]:
    service, server = _start_push_service()
    yield service
    server.shutdown()
    server.server_close()


@pytest.fixture
def another_push_service(push_allowed: None) -> Iterator[PushService]:
    service, server = _start_push_service()
    yield service
    server.shutdown()
    server.server_close()


@dataclass
class MailServer:
    received: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(message_from_bytes(envelope.content, policy=default_policy))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mail_server(settings: Any) -> Iterator[MailServer]:
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.BASE_URL = "https://ropeteam.example.org"
    yield handler
    controller.stop()


def pass_deadline() -> None:
    """Let the notification deadlines of every waiting task fall now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def run_worker() -> None:
    """Run every due task through django-tasks' database worker, then return."""
    # Like Django's test client, the worker must not close the connection holding this
    # test's transaction (it checks for stale connections between tasks).
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, queue_name="*", verbosity=0
        )


def subscribed(user: User) -> list[str]:
    return sorted(PushSubscription.objects.filter(user=user).values_list("endpoint", flat=True))
