"""Supervision and team meeting next steps (issue 11): recording either leaves an item that
the team lead sees listed until they mark it taken; the list never widens who reads a
Thinking Together.

sam asks his rope, morgan helps; priya leads Northside; jo and alex are teammates; kim leads
Riverside (the outsider walk in tests/api covers her on every endpoint).
"""

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ropeteam.core.errors import Forbidden
from ropeteam.thinking import actions, queries
from ropeteam.thinking.flow import AgendaKind, Step
from ropeteam.thinking.models import AgendaItem, Consultation
from tests.api.conftest import Api, audit_entries, token_for
from tests.conftest import World
from tests.web.conftest import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world: World) -> Callable[[str], Api]:
    return lambda name: Api(Client(), token_for(getattr(world, name)))


def _recorded(world: World, next_step: str, *, case: bool = True) -> Consultation:
    asked = actions.request_help(
        actor=world.sam,
        team=world.northside,
        task="decision",
        task_note="Whether the threshold moved",
        urgency="today",
        mode="phone",
        ask=actions.Ask("rope"),
        case_id=world.sams_case.pk if case else None,
    )
    accepted = actions.accept(actor=world.morgan, consultation=asked)
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        accepted = actions.move(actor=world.sam, consultation=accepted, step=step)
    return actions.record_outcome(
        actor=world.sam, consultation=accepted, met="partly", next_step=next_step
    )


def test_supervision_and_team_meeting_each_leave_an_item_for_the_lead(world: World) -> None:
    supervision = _recorded(world, "supervision")
    meeting = _recorded(world, "team_meeting", case=False)
    _recorded(world, "close")
    items = list(AgendaItem.objects.order_by("pk"))
    assert [(i.kind, i.consultation_id, i.case_id, i.raised_by_id) for i in items] == [
        (AgendaKind.SUPERVISION, supervision.pk, world.sams_case.pk, world.sam.pk),
        (AgendaKind.TEAM_MEETING, meeting.pk, None, world.sam.pk),
    ]
    assert all(i.team_id == world.northside.pk and i.handled_at is None for i in items)
    listed = queries.agenda(world.priya, world.northside, kind=AgendaKind.SUPERVISION)
    assert [a.item.consultation_id for a in listed] == [supervision.pk]


def test_a_quick_record_for_supervision_leaves_an_item_too(world: World) -> None:
    recorded = actions.quick_record(
        actor=world.sam,
        team=world.northside,
        helper_id=world.jo.pk,
        task="understanding",
        mode="phone",
        met="no",
        next_step="supervision",
    )
    (item,) = AgendaItem.objects.all()
    assert (item.consultation_id, item.kind) == (recorded.pk, AgendaKind.SUPERVISION)


def test_only_a_lead_marks_an_item_taken_once(world: World) -> None:
    _recorded(world, "supervision")
    item = AgendaItem.objects.get()
    with pytest.raises(Forbidden):
        actions.mark_taken(actor=world.jo, item=item)
    taken = actions.mark_taken(actor=world.priya, item=item)
    assert taken.handled_at is not None
    assert actions.mark_taken(actor=world.priya, item=item).handled_at == taken.handled_at
    assert len(audit_entries("thinking.agenda_item_taken")) == 1
    assert queries.agenda(world.priya, world.northside) == []


def test_the_lead_lists_items_newest_first_and_opens_only_what_access_allows(
    world: World, api: Callable[[str], Api]
) -> None:
    first = _recorded(world, "supervision")
    second = _recorded(world, "team_meeting")
    response = api("priya").get(f"/teams/{world.northside.pk}/agenda-items")
    assert response.status_code == 200
    body = response.json()
    assert [(i["consultation_id"], i["kind"]) for i in body] == [
        (second.pk, "team_meeting"),
        (first.pk, "supervision"),
    ]
    # Not shared for supervision: priya sees who raised it and its kind of task, no sentence.
    assert [(i["can_open"], i["task_note"], i["raised_by"]) for i in body] == [
        (False, None, "Sam"),
        (False, None, "Sam"),
    ]
    actions.share_for_supervision(actor=world.sam, consultation=first, shared=True)
    shared = api("priya").get(f"/teams/{world.northside.pk}/agenda-items").json()
    assert (shared[1]["can_open"], shared[1]["task_note"]) == (
        True,
        "Whether the threshold moved",
    )


def test_only_leads_list_or_take_items_others_in_the_team_get_403_outsiders_404(
    world: World, api: Callable[[str], Api]
) -> None:
    _recorded(world, "supervision")
    item = AgendaItem.objects.get()
    listing = f"/teams/{world.northside.pk}/agenda-items"
    taking = f"/agenda-items/{item.pk}/handled"
    for teammate in ("sam", "jo", "dee"):
        assert api(teammate).get(listing).status_code == 403
        assert api(teammate).call("POST", taking).status_code == 403
    for outsider in ("kim", "lee"):
        assert api(outsider).get(listing).status_code == 404
        refused = api(outsider).call("POST", taking)
        missing = api(outsider).call("POST", "/agenda-items/987654321/handled")
        assert (refused.status_code, refused.json()) == (404, missing.json())
    assert AgendaItem.objects.get().handled_at is None
    taken = api("priya").call("POST", taking)
    assert taken.status_code == 200
    assert taken.json()["handled_at"] is not None
    assert api("priya").get(listing).json() == []
    assert len(api("priya").get(f"{listing}?include_taken=true").json()) == 1


def test_the_leads_page_lists_items_and_marks_them_taken(world: World) -> None:
    consultation = _recorded(world, "supervision")
    _recorded(world, "team_meeting")
    priya = world.client_for(world.priya)
    html = page_text(priya.get(reverse("web:thinking_activity")))
    assert "For supervision" in html
    assert "For the team meeting" in html
    assert "Not shared with you: Sam can share it for supervision." in html
    assert "Whether the threshold moved" not in html
    assert reverse("web:thinking", args=[consultation.pk]) not in html
    actions.share_for_supervision(actor=world.sam, consultation=consultation, shared=True)
    html = page_text(priya.get(reverse("web:thinking_activity")))
    assert "Whether the threshold moved" in html
    assert reverse("web:thinking", args=[consultation.pk]) in html
    item = AgendaItem.objects.get(consultation=consultation)
    response = priya.post(reverse("web:thinking_agenda_taken", args=[item.pk]))
    assert response.status_code == 302
    assert AgendaItem.objects.get(pk=item.pk).handled_at is not None
    assert "Nothing raised for supervision." in page_text(priya.get(response["Location"]))


def test_others_cannot_see_or_take_items_on_the_web(world: World) -> None:
    _recorded(world, "supervision")
    item = AgendaItem.objects.get()
    taking = reverse("web:thinking_agenda_taken", args=[item.pk])
    assert world.client_for(world.sam).get(reverse("web:thinking_activity")).status_code == 403
    assert world.client_for(world.sam).post(taking).status_code == 403
    assert world.client_for(world.kim).post(taking).status_code == 404
    assert world.client_for(world.priya).get(taking).status_code == 405
    assert Client().post(taking).status_code == 302  # to sign in
    assert AgendaItem.objects.get().handled_at is None
