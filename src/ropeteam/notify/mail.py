"""The e-mail sent when no device of a person's took a push notification."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail

from ropeteam.notify.flow import State
from ropeteam.notify.push import Outcome

logger = logging.getLogger(__name__)


def send(*, to: str, subject: str, body: str) -> Outcome:
    """Hand one e-mail to the configured mail server; never raises for a mail failure."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except smtplib.SMTPResponseException as error:
        logger.warning("notification e-mail failed: SMTP %s", error.smtp_code)
        return Outcome(State.FAILED, f"SMTP {error.smtp_code}")
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("notification e-mail failed: %s", type(error).__name__)
        return Outcome(State.FAILED, type(error).__name__)
    return Outcome(State.SENT)
