"""The "I'm on it" link e-mailed to an organisation's out-of-hours contact, who may have no
account: the only door to a visit's alert without signing in.

A token is the (visit, alert) pair signed with `django.core.signing` under a salt of its
own, so no other signed value of the app (a session, a password reset) is one, and it opens
nothing but the confirmation of that one alert. Nothing is stored: it expires `LINK_VALID`
after it was made (the e-mail was composed), and it works once, since confirming
acknowledges the alert and an acknowledged alert refuses every link to it. Rotating
SECRET_KEY invalidates every link.
"""

from datetime import timedelta

from django.core import signing
from django.utils.translation import gettext as _

from ropeteam.visits.flow import State, Step
from ropeteam.visits.models import ALARM, Escalation, Visit

SALT = "ropeteam.visits.out-of-hours-on-it"
LINK_VALID = timedelta(hours=24)


class LinkRefused(Exception):
    """The link cannot confirm anything: 400 when it is not one of ours, 410 when it was."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def path_for(escalation: Escalation) -> str:
    """The path of the confirmation page for this alert (valid for LINK_VALID)."""
    token = signing.dumps([escalation.visit_id, escalation.pk], salt=SALT)
    return f"/visits/{escalation.visit_id}/on-it/{token}/"


def access_escalation_by_link(visit_id: int, token: str) -> Escalation:
    """The alert this link may still confirm, or LinkRefused saying why not."""
    invalid = LinkRefused(_("This link is not valid. Call the team instead."), status=400)
    try:
        signed = signing.loads(token, salt=SALT, max_age=LINK_VALID)
    except signing.SignatureExpired:
        raise LinkRefused(
            _("This link has expired (links work for 24 hours). Call the team instead."),
            status=410,
        ) from None
    except signing.BadSignature:
        raise invalid from None
    # The link of one visit never acts on another, whatever the address it is opened at.
    if not (isinstance(signed, list) and len(signed) == 2 and signed[0] == visit_id):
        raise invalid
    escalation = (
        Escalation.objects.select_related("visit__worker", "visit__team__organisation")
        .filter(pk=signed[1], visit_id=visit_id)
        .first()
    )
    if escalation is None:
        raise invalid
    refuse_if_settled(escalation, escalation.visit)
    return escalation


def refuse_if_settled(escalation: Escalation, visit: Visit) -> None:
    """LinkRefused (410) when someone has the alert already or it no longer needs anyone."""
    if escalation.acknowledged_at is not None:
        raise LinkRefused(
            _("Someone is already on it: this link has been used, or the team has it."),
            status=410,
        )
    chain_moot = (
        escalation.step != Step.TEAM_LEAD
        or visit.state == State.ENDED
        or escalation.round != visit.round
    )
    if escalation.step != ALARM and chain_moot:  # an alarm is never moot until taken
        raise LinkRefused(
            _("This alert no longer needs anyone: the worker has since said they are OK."),
            status=410,
        )
