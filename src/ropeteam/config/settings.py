"""Ropeteam's one settings file: everything that varies comes from the environment.

Every variable read here is documented in docs/configuration.md (a test keeps it so).
"""

import base64
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ropeteam.config.env import data_dir, env, env_bool, generated_secret

DATA_DIR = data_dir()

# Demo mode is set by `ropeteam demo`: generated secrets, loopback only, plain HTTP.
DEMO = env_bool("ROPETEAM_DEMO", default=False)
DEBUG = env_bool("ROPETEAM_DEBUG", default=False)
# Without a secret in the environment we fall back to one generated in the data folder,
# which `ropeteam check` and `ropeteam serve` refuse outside demo mode.
SECRET_KEY_FROM_ENV = bool(env("ROPETEAM_SECRET_KEY"))
SECRET_KEY = env("ROPETEAM_SECRET_KEY") or generated_secret("django-secret-key", nbytes=50)

ALLOWED_HOSTS = [
    h.strip() for h in env("ROPETEAM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("ROPETEAM_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # its bundled Swagger UI for /api/v1/docs; the CDN copy breaks our CSP
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ropeteam.core",
    "ropeteam.audit",
    "ropeteam.realtime",
    "ropeteam.people",
    "ropeteam.cases",
    "ropeteam.conversations",
    "ropeteam.escalation",
    "ropeteam.thinking",
    "ropeteam.visits",
    "ropeteam.concerns",
    "ropeteam.notify",
    "ropeteam.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ropeteam.web.staticfiles.CompressedStaticFiles",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ropeteam.web.middleware.NoStoreMiddleware",
    "ropeteam.web.middleware.SessionLimitsMiddleware",
    "ropeteam.web.middleware.SecondFactorPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "ropeteam.config.urls"
ASGI_APPLICATION = "ropeteam.config.asgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ropeteam.web.context.current_team",
            ],
        },
    },
]

# SQLite in the data folder by default; PostgreSQL when DATABASE_URL is set.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "ropeteam.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock when a transaction starts, so two writers
                # queue behind each other instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "ropeteam.people.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ropeteam.people.passwords.ContextWordsValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
TIME_ZONE = env("ROPETEAM_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the app folders, so a fresh clone needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Session cookies: HTTPS-only outside demo and debug (both plain HTTP on loopback).
SECURE_COOKIES = not (DEMO or DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:
    # `__Host-` cookies are refused by browsers unless Secure, for path / and with no
    # Domain: a sibling subdomain or a plain-HTTP page cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A session ends after this long without a request, and at the latest this long after
# sign-in (web/middleware.py); its sockets close then too.
SESSION_IDLE_SECONDS = int(float(env("ROPETEAM_SESSION_IDLE_MINUTES", "240")) * 60)
SESSION_MAX_SECONDS = int(float(env("ROPETEAM_SESSION_MAX_HOURS", "12")) * 3600)
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
# The first hold after too many failed sign-ins; each further one doubles, up to 15 minutes
# (people/signin.py).
SIGNIN_DELAY_SECONDS = int(env("ROPETEAM_SIGNIN_DELAY_SECONDS", "60"))
# Passkeys (people/passkeys.py): the WebAuthn relying-party id (the site's host name, which
# passkeys are bound to) and the origins their answers may come from. Unset, each is the
# page's own host and origin (checked against ALLOWED_HOSTS), which suits one address; a
# site reached under several names sets one id they share (`example.org` for
# `app.example.org`). Browsers refuse IP addresses as ids: on loopback, use localhost.
PASSKEY_RP_ID = env("ROPETEAM_PASSKEY_RP_ID")
PASSKEY_ORIGINS = [o.strip() for o in env("ROPETEAM_PASSKEY_ORIGINS").split(",") if o.strip()]
SECURE_SSL_REDIRECT = env_bool("ROPETEAM_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("ROPETEAM_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# HSTS preload binds a whole domain for good: the organisation's call, not ours.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# A strict policy: no inline scripts or styles anywhere, the admin included.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}


def _keys(variable: str, generated: str) -> dict[str, bytes]:
    """Keys as `id:base64key,id:base64key` in `variable`; the first is the one in use, the
    others still read what they wrote (rotation). Without it, one generated in the data folder
    (demo and development only: `ropeteam check` refuses it)."""
    raw = env(variable)
    if not raw:
        raw = "demo:" + generated_secret(generated)
    keys: dict[str, bytes] = {}
    for part in raw.split(","):
        key_id, _sep, value = part.strip().partition(":")
        if key_id in keys:
            # A second key under a used id would silently replace the first one's value.
            raise ImproperlyConfigured(f"{variable} names key {key_id!r} twice.")
        keys[key_id] = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return keys


# Free text at rest (core/crypto.py).
ENCRYPTION_KEYS = _keys("ROPETEAM_ENCRYPTION_KEYS", "encryption-key")
ENCRYPTION_KEYS_FROM_ENV = bool(env("ROPETEAM_ENCRYPTION_KEYS"))
# The audit chain's HMAC keys (audit/log.py), kept outside the database so someone who can
# write to it cannot recompute the chain; and where its head is checkpointed after each
# entry, so deleting the newest entries shows (docs/security.md).
AUDIT_KEYS = _keys("ROPETEAM_AUDIT_KEYS", "audit-key")
AUDIT_KEYS_FROM_ENV = bool(env("ROPETEAM_AUDIT_KEYS"))
AUDIT_HEAD_FILE = Path(env("ROPETEAM_AUDIT_HEAD") or DATA_DIR / "audit-head.json")

# How often an open socket hears each conversation's last seq (docs/protocol.md).
HEARTBEAT_SECONDS = int(env("ROPETEAM_HEARTBEAT_SECONDS", "25"))

# A password-reset link works once and for at most an hour (Django's default is 3 days).
PASSWORD_RESET_TIMEOUT = 60 * 60
INVITATION_TTL_HOURS = int(env("ROPETEAM_INVITATION_TTL_HOURS", "72"))
# How long an unsent message may wait in a device's outbox before it is shown as not sent.
OUTBOX_MAX_AGE_HOURS = float(env("ROPETEAM_OUTBOX_MAX_AGE_HOURS", "24"))
# The lead's figures on concerns hide any group smaller than this, so none points at people.
CONCERNS_MIN_GROUP = int(env("ROPETEAM_CONCERNS_MIN_GROUP", "5"))
# A request for a Thinking Together that reached the duty lead unanswered alerts the duty
# lead and the team leads again this often, until one of them accepts.
THINKING_REPEAT_SECONDS = int(env("ROPETEAM_THINKING_REPEAT_SECONDS", "300"))

EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEMO or DEBUG or not env("ROPETEAM_EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
if DEMO:
    # The demo keeps every e-mail it sends as a file, to open and follow its links.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = env("ROPETEAM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("ROPETEAM_EMAIL_PORT", "587"))
EMAIL_HOST_USER = env("ROPETEAM_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("ROPETEAM_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("ROPETEAM_EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("ROPETEAM_EMAIL_FROM", "Ropeteam <ropeteam@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people open Ropeteam: links in e-mail are made from it.
BASE_URL = env("ROPETEAM_BASE_URL", "http://127.0.0.1:8000")

# The worker (escalation/health.py): how long its heartbeat may be silent, and how long due
# work may wait, before /readyz is 503 and the leads see "Escalations are delayed".
WORKER_STALE_SECONDS = int(env("ROPETEAM_WORKER_STALE_SECONDS", "30"))
DEADLINES_LATE_SECONDS = int(env("ROPETEAM_DEADLINES_LATE_SECONDS", "60"))
# How often the worker writes its heartbeat; `serve` restarts an embedded worker that died
# (or whose heartbeat is silent for twice the stale time) after this delay, doubling to 60 s.
WORKER_BEAT_SECONDS = float(env("ROPETEAM_WORKER_BEAT_SECONDS", "5"))
WORKER_RESTART_SECONDS = float(env("ROPETEAM_WORKER_RESTART_SECONDS", "1"))
# An emergency chosen in a Thinking Together alerts the duty lead and the team lead again
# this often until one of them says "I'm on it".
EMERGENCY_REPEAT_SECONDS = int(env("ROPETEAM_EMERGENCY_REPEAT_SECONDS", "120"))
# A field visit's chain that reached its top step unacknowledged alerts everyone it told
# (and the organisation's out-of-hours contact) again this often, until someone says
# "I'm on it".
VISIT_REPEAT_SECONDS = int(env("ROPETEAM_VISIT_REPEAT_SECONDS", "300"))

# Notifications of unread messages (notify/): how long a message may stay unread before
# its recipients are told, and whether the notification quotes it (off: lock screens).
NOTIFY_AFTER_SECONDS = int(env("ROPETEAM_NOTIFY_AFTER_SECONDS", "60"))
NOTIFY_MESSAGE_TEXT = env_bool("ROPETEAM_NOTIFY_MESSAGE_TEXT", default=False)
# An urgent message unread this long is notified again; as long again, and the reader's rope
# holders and the duty lead are told, again every as long until one acknowledges. A team lead
# sets their team's own (PUT /api/v1/teams/{id}/urgent-messages/wait); this is the default.
URGENT_AFTER_SECONDS = int(env("ROPETEAM_URGENT_AFTER_SECONDS", "300"))
# The VAPID key pair identifies this server to push services; like SECRET_KEY, a generated
# one is accepted only in demo and development.
VAPID_KEY_FROM_ENV = bool(env("ROPETEAM_VAPID_PRIVATE_KEY"))
VAPID_PRIVATE_KEY = env("ROPETEAM_VAPID_PRIVATE_KEY") or generated_secret("vapid-private-key")
VAPID_SUBJECT_FROM_ENV = bool(env("ROPETEAM_VAPID_SUBJECT"))
VAPID_SUBJECT = env("ROPETEAM_VAPID_SUBJECT", "mailto:ropeteam@localhost")
# Push subscriptions to a push service on this machine over plain HTTP: demo, debug, tests.
PUSH_ALLOW_LOOPBACK = DEMO or DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Django logs each refused request's path ("Not Found: /join/<token>/"): the
    # secrets in invitation and reset links are taken out first (core/accesslog.py).
    "filters": {"redact": {"()": "ropeteam.core.accesslog.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("ROPETEAM_LOG_LEVEL", "INFO")},
    # On the logger too, so Django's own handlers (the debug console) never see the secret.
    "loggers": {"django.request": {"filters": ["redact"]}},
}
