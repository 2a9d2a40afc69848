"""Typed events: their JSON on the wire, and docs/protocol.md written from them."""

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from ropeteam.api import protocol
from ropeteam.concerns.events import ConcernChanged
from ropeteam.notify.events import RopeHolderAdded, UrgentUnread
from ropeteam.people.events import AccessNarrowed
from ropeteam.realtime import publish as publishing
from ropeteam.realtime.catalogue import rewrite
from ropeteam.realtime.events import EVENT_TYPES, Audience, Publishable
from ropeteam.thinking.events import ThinkingChanged
from ropeteam.visits.events import VisitChanged

SRC = Path(__file__).resolve().parents[2] / "src" / "ropeteam"
TEAM = Audience.of(3, [12, 14])


def test_an_events_frame_is_its_type_then_its_fields_in_order_and_never_its_audience() -> None:
    event = ThinkingChanged(
        audience=TEAM,
        event="requested",
        consultation=7,
        state="requested",
        step=None,
        helper=None,
        seeker=12,
        urgency="now",
    )
    assert event.frame() == (
        '{"type":"thinking","event":"requested","consultation":7,"state":"requested",'
        '"step":null,"helper":null,"seeker":12,"urgency":"now"}'
    )


@pytest.mark.parametrize(
    ("event", "wire"),
    [
        (
            ConcernChanged(
                audience=TEAM, event="raised", concern=4, state="raised", level="probe",
                escalated=False,
            ),
            {"type": "concern", "event": "raised", "concern": 4, "state": "raised",
             "level": "probe", "escalated": False},
        ),
        (
            VisitChanged(
                audience=TEAM, event="alarm", visit=5, worker=12, state="alarm",
                expected_end="2026-11-27T15:04:05+00:00", alarm=True,
            ),
            {"type": "visit", "event": "alarm", "visit": 5, "worker": 12, "state": "alarm",
             "expected_end": "2026-11-27T15:04:05+00:00", "alarm": True},
        ),
        (
            UrgentUnread(audience=TEAM, event="unread", check=5, reader=14, acknowledged_by=None),
            {"type": "urgent", "event": "unread", "check": 5, "reader": 14,
             "acknowledged_by": None},
        ),
        (
            RopeHolderAdded(audience=TEAM, worker=12),
            {"type": "rope", "event": "holder_added", "worker": 12},
        ),
    ],
)  # fmt: skip
def test_each_domains_frame_is_what_browsers_read(event: Any, wire: dict[str, Any]) -> None:
    # Key order too: the frames were hand-written dicts before, in this order.
    assert list(json.loads(event.frame()).items()) == list(wire.items())


def test_protocol_md_lists_every_event_class_as_the_classes_say() -> None:
    text = protocol.DOCUMENT.read_text()
    assert rewrite(text, protocol.EVENTS) == text, "run: python -m ropeteam.api.protocol"


def test_every_domains_event_class_is_in_the_catalogue() -> None:
    for path in SRC.glob("*/events.py"):
        importlib.import_module(f"ropeteam.{path.parent.name}.events")
    assert set(EVENT_TYPES.values()) == set(protocol.EVENTS)


def test_the_check_fails_when_the_document_drifts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "protocol.md"
    stale.write_text(protocol.DOCUMENT.read_text().replace("`seeker` (integer)", "`seeker`"))
    monkeypatch.setattr(protocol, "DOCUMENT", stale)
    assert protocol.main(["--check"]) == 1
    assert protocol.main([]) == 0
    assert protocol.main(["--check"]) == 0


@pytest.mark.django_db
def test_an_event_goes_out_only_once_the_change_commits(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[Publishable] = []
    monkeypatch.setattr(publishing, "publish", sent.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publishing.publish_on_commit(AccessNarrowed(user_id=12))
        assert sent == []
    assert len(callbacks) == 1
    assert sent == [AccessNarrowed(user_id=12)]
