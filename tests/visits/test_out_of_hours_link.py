"""The out-of-hours contact, who has only an e-mail address, says "I'm on it" by the link in
the e-mail: from the e-mail, through the page, to what the team and the worker see.

sam is out with jo holding the rope and is overdue; nobody answers, so the chain reaches its
top step and the Trust's out-of-hours address (edt@trust.example, no account) is e-mailed.
The link is opened by a browser that is signed in as nobody.
"""

import re
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ropeteam.escalation import engine
from ropeteam.escalation.flow import ChainState
from ropeteam.escalation.models import Chain
from ropeteam.notify import actions as notify
from ropeteam.visits import actions
from ropeteam.visits.flow import Step
from ropeteam.visits.models import Escalation, Visit
from tests.api.conftest import audit_entries
from tests.conftest import World
from tests.web.conftest import page_text

MIN = timedelta(minutes=1)
LINK = re.compile(r"http://127\.0\.0\.1:8000(/visits/\d+/on-it/[^/\s]+/)")
CONFIRM = "Confirm: I'm on it"


def _overdue(world: World, location: str = "Flat 3, Harbour Court") -> tuple[Visit, datetime]:
    """sam's visit, with the chain at its top step: the out-of-hours address e-mailed."""
    world.organisation.out_of_hours_email = "edt@trust.example"
    world.organisation.save()
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location=location,
        expected_end=timezone.now() + 30 * MIN,
        rope_holder_id=world.jo.pk,
    )
    actions.hold_rope(actor=world.jo, visit=visit)
    end = Visit.objects.get(pk=visit.pk).expected_end
    engine.run_due(now=end + 30 * MIN)
    return visit, end


def _links(mailoutbox: list[Any]) -> list[str]:
    """Send the out-of-hours e-mails waiting in the task queue; the links in them, in order."""
    for row in DBTaskResult.objects.filter(task_path="ropeteam.notify.tasks.alert_address"):
        kind, about_id, to, path, why = row.args_kwargs["args"]
        notify.alert_address(kind=kind, about_id=about_id, to=to, path=path, why=why)
        row.delete()
    mails = [m for m in mailoutbox if m.to == ["edt@trust.example"]]
    return [LINK.search(m.body).group(1) for m in mails]  # type: ignore[union-attr]


def _top(visit: Visit) -> Escalation:
    return Escalation.objects.get(visit=visit, step=Step.TEAM_LEAD)


@pytest.mark.hazard("H3")
def test_the_out_of_hours_contact_confirms_from_the_email_and_everyone_sees_it(
    world: World, mailoutbox: list[Any], as_user: Any
) -> None:
    visit, end = _overdue(world)
    (link,) = _links(mailoutbox)
    mail = mailoutbox[-1]
    assert "Press Confirm" not in mail.body and "press Confirm" in mail.body
    assert "it works once, for 24 hours" in mail.body

    browser = Client(enforce_csrf_checks=True)  # as a real browser: no account, a cookie
    shown = browser.get(link)
    html = page_text(shown)
    assert shown.status_code == 200
    assert CONFIRM in html and 'method="post"' in html
    assert "Sam is overdue on a visit: due back at" in html
    assert "Harbour Court" not in html and "NS-1" not in html  # never where, nor the case
    assert shown["Referrer-Policy"] == "no-referrer"
    # Opening the page (as a mail scanner following links would) acknowledges nothing.
    assert _top(visit).acknowledged_at is None
    assert Chain.objects.get(ladder=actions.CHAIN, subject_id=visit.pk).state == ChainState.OPEN

    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert csrf is not None
    done = browser.post(link, {"csrfmiddlewaretoken": csrf.group(1)})
    assert done.status_code == 200
    assert "the out-of-hours contact is on it" in page_text(done)
    top = _top(visit)
    assert (top.acknowledged_by_out_of_hours_email, top.acknowledged_by_id) == (True, None)
    chain = Chain.objects.get(ladder=actions.CHAIN, subject_id=visit.pk, round=1)
    assert (chain.state, chain.acknowledged_by_id) == (ChainState.ACKNOWLEDGED, None)
    assert audit_entries("visits.acknowledged")[-1].data["by"] == "out_of_hours_email"
    assert engine.run_due(now=end + 5 * 60 * MIN) == 0  # the repeats stop
    assert _links(mailoutbox) == [link]  # and the e-mails

    sams_page = page_text(as_user("sam").get(reverse("web:visit", args=[visit.pk])))
    assert "The out-of-hours contact (e-mail) is on it (since" in sams_page
    assert "Nobody has answered yet" not in sams_page
    board = page_text(as_user("priya").get(reverse("web:visits")))
    assert "on it: the out-of-hours contact (e-mail)" in board
    jos_page = page_text(as_user("jo").get(reverse("web:visit", args=[visit.pk])))
    assert "The out-of-hours contact (e-mail) is on it (since" in jos_page


@pytest.mark.hazard("H3")
def test_the_link_works_once_then_says_so(world: World, mailoutbox: list[Any]) -> None:
    visit, _end = _overdue(world)
    (link,) = _links(mailoutbox)
    browser = Client()
    assert browser.post(link).status_code == 200
    taken_at = _top(visit).acknowledged_at
    for again in (browser.post(link), browser.get(link)):
        assert again.status_code == 410
        assert "Someone is already on it" in page_text(again)
        assert CONFIRM not in page_text(again)
    assert _top(visit).acknowledged_at == taken_at
    assert len(audit_entries("visits.acknowledged")) == 1


def test_the_link_is_refused_once_someone_in_the_team_is_on_it(
    world: World, mailoutbox: list[Any]
) -> None:
    visit, _end = _overdue(world)
    (link,) = _links(mailoutbox)
    actions.acknowledge(actor=world.priya, escalation=_top(visit))
    refused = Client().post(link)
    assert refused.status_code == 410
    assert _top(visit).acknowledged_by_id == world.priya.pk
    assert not _top(visit).acknowledged_by_out_of_hours_email


def test_an_expired_link_is_refused_with_a_clear_page(
    world: World, mailoutbox: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    visit, _end = _overdue(world)
    (link,) = _links(mailoutbox)
    later = time.time() + 24 * 3600 + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)  # type: ignore[attr-defined]
    for response in (Client().get(link), Client().post(link)):
        assert response.status_code == 410
        assert "This link has expired" in page_text(response)
    assert _top(visit).acknowledged_at is None


def test_a_tampered_link_is_refused_with_a_clear_page(world: World, mailoutbox: list[Any]) -> None:
    visit, _end = _overdue(world)
    (link,) = _links(mailoutbox)
    token = link.rstrip("/").rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_salt = signing.dumps([visit.pk, _top(visit).pk])  # signed by us, for something else
    for bad in (flipped, other_salt, "nonsense", token[: len(token) // 2]):
        response = Client().post(f"/visits/{visit.pk}/on-it/{bad}/")
        assert response.status_code == 400, bad
        assert "This link is not valid" in page_text(response)
    assert _top(visit).acknowledged_at is None


@pytest.mark.hazard("H3")
def test_the_link_of_one_visit_cannot_acknowledge_another(
    world: World, mailoutbox: list[Any]
) -> None:
    first, _end = _overdue(world)
    second, _end = _overdue(world, location="The Lighthouse")
    link_first, _link_second = _links(mailoutbox)
    token = link_first.rstrip("/").rsplit("/", 1)[1]
    for method in ("get", "post"):
        response = getattr(Client(), method)(f"/visits/{second.pk}/on-it/{token}/")
        assert response.status_code == 400
    assert _top(second).acknowledged_at is None
    assert _top(first).acknowledged_at is None
    assert Client().post(f"/visits/{10**9}/on-it/{token}/").status_code == 400


def test_a_link_made_moot_by_a_new_round_is_refused(world: World, mailoutbox: list[Any]) -> None:
    visit, _end = _overdue(world)
    (link,) = _links(mailoutbox)
    actions.extend(actor=world.sam, visit=visit, minutes=30)  # sam is OK after all
    response = Client().post(link)
    assert response.status_code == 410
    assert "no longer needs anyone" in page_text(response)


@pytest.mark.hazard("H4")
def test_the_out_of_hours_contact_takes_an_alarm_by_the_link(
    world: World, mailoutbox: list[Any], as_user: Any
) -> None:
    world.organisation.out_of_hours_email = "edt@trust.example"
    world.organisation.save()
    visit = actions.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + 60 * MIN,
        rope_holder_id=world.jo.pk,
    )
    alarm = actions.raise_alarm(actor=world.sam, visit=visit)
    actions.end_visit(actor=world.sam, visit=visit)  # an alarm outlives the visit
    for times in (1, 2):
        engine.run_due(now=alarm.fired_at + times * actions.repeat_every())
    (link,) = _links(mailoutbox)  # the out-of-hours contact joins at the second repeat
    html = page_text(Client().get(link))
    assert "Alarm: Sam pressed the alarm on a visit at" in html
    assert "Harbour Court" not in html
    assert Client().post(link).status_code == 200
    chain = Chain.objects.get(ladder=actions.ALARM_CHAIN, subject_id=visit.pk)
    assert chain.state == ChainState.ACKNOWLEDGED
    assert engine.run_due(now=alarm.fired_at + 10 * actions.repeat_every()) == 0
    sams_page = page_text(as_user("sam").get(reverse("web:visit", args=[visit.pk])))
    assert "The out-of-hours contact (e-mail) is on it (since" in sams_page
