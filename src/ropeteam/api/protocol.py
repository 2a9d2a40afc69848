"""Write the events section of docs/protocol.md from every domain's event classes.

    python -m ropeteam.api.protocol [--check]

A test runs the same check, so the document cannot drift from the classes.
"""

import sys
from pathlib import Path

from ropeteam.concerns import events as concerns
from ropeteam.notify import events as notify
from ropeteam.realtime.catalogue import rewrite
from ropeteam.realtime.events import Event
from ropeteam.thinking import events as thinking
from ropeteam.visits import events as visits

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "protocol.md"

EVENTS: list[type[Event]] = [
    thinking.ThinkingChanged,
    concerns.ConcernChanged,
    visits.VisitChanged,
    notify.UrgentUnread,
    notify.RopeHolderAdded,
]


def main(argv: list[str]) -> int:
    text = DOCUMENT.read_text()
    wanted = rewrite(text, EVENTS)
    if "--check" in argv:
        if wanted != text:
            print(f"{DOCUMENT} is out of date: run python -m ropeteam.api.protocol")
            return 1
        return 0
    DOCUMENT.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
