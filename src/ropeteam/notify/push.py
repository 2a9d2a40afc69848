"""Posting one notification to one browser's push service."""

import json
import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from ropeteam.notify import vapid
from ropeteam.notify.flow import PUSH_TTL_SECONDS, State
from ropeteam.notify.models import PushSubscription

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outcome:
    state: State
    error: str = ""


def send(subscription: PushSubscription, payload: dict[str, str]) -> Outcome:
    """Encrypt `payload` for the subscription and post it; never raises for a push failure."""
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    # A fresh claims dict each time: pywebpush writes `aud` (the endpoint's origin) into it,
    # and a reused dict would sign every later push for the first push service's origin.
    claims: dict[str, Any] = {"sub": settings.VAPID_SUBJECT}
    try:
        webpush(
            subscription_info=info,
            data=json.dumps(payload),
            vapid_private_key=Vapid(private_key=vapid.private_key()),
            vapid_claims=claims,
            ttl=PUSH_TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            # People in the field rely on these: ask the phone to wake for them.
            headers={"Urgency": "high"},
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in {404, 410}:
            return Outcome(State.GONE, f"HTTP {status}")
        logger.warning("push to subscription %s failed: HTTP %s", subscription.pk, status)
        return Outcome(State.FAILED, f"HTTP {status}" if status else "push failed")
    except (requests.RequestException, ValueError) as error:
        # The name says enough (ConnectTimeout, ConnectionError...); str() could echo a URL.
        logger.warning("push to subscription %s failed: %s", subscription.pk, type(error).__name__)
        return Outcome(State.FAILED, type(error).__name__)
    return Outcome(State.SENT)
