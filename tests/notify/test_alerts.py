"""Alerts that cannot wait for someone to open the app: a Thinking Together request to those
asked, a visit's escalation steps and its alarm. Pushed to a real push service on 127.0.0.1
(which decrypts each payload as the browser would) or, with no push, e-mailed to a real SMTP
server; once per person and event however often the task runs; never where or why.
"""

from datetime import timedelta

from django.utils import timezone

from ropeteam.notify import actions
from ropeteam.notify.models import Alert
from ropeteam.people.models import User
from ropeteam.thinking import actions as thinking
from ropeteam.visits import actions as visits
from ropeteam.visits.models import Visit
from ropeteam.visits.schemas import VisitOut
from tests.conftest import World
from tests.notify.conftest import MailServer, PushService, run_worker


def _ask(world: World) -> None:
    thinking.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        task_note="Whether JT should stay at his aunt's tonight",
        urgency="now",
        mode="phone",
        ask=thinking.Ask("rope"),
        case_id=world.sams_case.pk,
    )


def test_those_asked_to_think_together_get_a_push_that_names_only_who_asks(
    world: World, push_service: PushService
) -> None:
    push_service.subscribe(world.jo)
    push_service.subscribe(world.morgan)
    _ask(world)
    run_worker()
    bodies = sorted(p.payload["body"] for p in push_service.received)
    assert bodies == ["Sam asks to think together"] * 2
    for push in push_service.received:
        assert "aunt" not in str(push.payload) and "NS-1" not in str(push.payload)
        assert push.payload["url"].startswith("/thinking/")
    # The task running again (a retry) tells nobody twice.
    topic = Alert.objects.values_list("topic", flat=True).first()
    assert topic is not None
    actions.alert(
        topic=topic,
        kind="thinking_requested",
        about_id=world.sam.pk,
        user_ids=[world.jo.pk, world.morgan.pk],
        path="/",
    )
    assert len(push_service.received) == 2


def test_a_visit_alarm_reaches_the_rope_holder_by_push_and_the_lead_by_email(
    world: World, push_service: PushService, mail_server: MailServer
) -> None:
    push_service.subscribe(world.jo)
    User.objects.filter(pk=world.priya.pk).update(email="priya@example.org")
    visit = visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + timedelta(hours=1),
        rope_holder_id=world.jo.pk,
    )
    visits.raise_alarm(actor=world.sam, visit=visit)
    run_worker()
    # Jo was first asked to hold the rope, then alarmed.
    asked, push = push_service.received
    assert asked.payload["body"] == "Can you hold Sam’s rope on a visit?"
    assert push.payload["body"] == "Alarm: Sam needs help on a visit"
    (mail,) = mail_server.received
    assert mail["Subject"] == "Alarm: Sam needs help on a visit"
    assert mail_server.recipients == [["priya@example.org"]]
    assert "Harbour" not in mail.as_string() and "Harbour" not in str(push.payload)
    states = sorted(Alert.objects.filter(topic__endswith=":alarm").values_list("channel", "state"))
    assert states == [("email", "sent"), ("push", "sent")]


def test_a_visits_alert_shows_by_which_channels_each_person_was_told(
    world: World, push_service: PushService, mail_server: MailServer
) -> None:
    push_service.subscribe(world.jo)
    User.objects.filter(pk=world.priya.pk).update(email="priya@example.org")
    visit = visits.start_visit(
        actor=world.sam,
        team=world.northside,
        location="Flat 3, Harbour Court",
        expected_end=timezone.now() + timedelta(hours=1),
        rope_holder_id=world.jo.pk,
    )
    visits.raise_alarm(actor=world.sam, visit=visit)
    run_worker()
    (alarm,) = VisitOut.of(Visit.objects.get(pk=visit.pk)).escalations
    assert alarm.channels == ["in_app", "email", "push"]
    told = sorted((d.user_id, d.channel, d.state) for d in alarm.deliveries)
    assert told == [(world.priya.pk, "email", "sent"), (world.jo.pk, "push", "sent")]
