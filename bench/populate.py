"""Make the benchmark's people: users in one team, conversations of 5, a bearer token each.

Run with the server's environment (ROPETEAM_DATA, DATABASE_URL, ROPETEAM_SECRET_KEY...);
bench/realtime.py does so for the servers it starts. For an existing installation:

    ROPETEAM_DATA=... DATABASE_URL=... python bench/populate.py --clients 200 --out users.json

It writes {"users": [{"id", "token", "grade"}], "conversations": [{"id", "members": [user
index]}]}. The first user of each team is its lead; the others take `--grades` in turn.
Everything is made through the actions, as a person would, in one transaction: thousands
of separate commits, each with an fsync, would take longer than the benchmark.
"""

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

GROUP = 5


def populate(clients: int, team_size: int, grades: list[str], out: Path) -> None:
    """Make `clients` users in one team (or teams of `team_size`), in conversations of 5; the
    members who do not lead take `grades` in turn."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ropeteam.config.settings")
    import django  # noqa: PLC0415  settings come from the environment set by the caller

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415

    from ropeteam.conversations import actions as talk  # noqa: PLC0415
    from ropeteam.people import actions  # noqa: PLC0415
    from ropeteam.people.models import Team, User  # noqa: PLC0415

    call_command("migrate", interactive=False, verbosity=0)
    team_size = team_size or clients
    run = uuid.uuid4().hex[:6]
    users: list[dict[str, Any]] = []
    conversations: list[dict[str, Any]] = []
    with transaction.atomic():
        organisation = actions.create_organisation(actor=None, name=f"Bench {run}")
        team: Team | None = None
        members: list[User] = []
        for index in range(clients):
            if index % team_size == 0:
                team = actions.create_team(
                    actor=None, organisation=organisation, name=f"Team {index // team_size}"
                )
            assert team is not None
            user = actions.create_account(
                actor=None,
                username=f"bench-{run}-{index}",
                display_name=f"Bench {index}",
                password=None,
            )
            lead = index % team_size == 0
            grade = "team_lead" if lead else grades[(index % team_size - 1) % len(grades)]
            actions.add_member(
                actor=None,
                team=team,
                user=user,
                role="lead" if lead else "practitioner",
                grade=grade,
            )
            _token, raw = actions.create_token(actor=user, name="bench")
            users.append({"id": user.pk, "token": raw, "grade": grade})
            members.append(user)
            if len(members) == GROUP:
                conversation, _new = talk.start_conversation(
                    actor=members[0], team=team, member_ids=[m.pk for m in members]
                )
                first = index - GROUP + 1
                conversations.append(
                    {"id": conversation.pk, "members": list(range(first, index + 1))}
                )
                members = []
    out.write_text(json.dumps({"users": users, "conversations": conversations}))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--clients", type=int, required=True, help="a multiple of 5")
    p.add_argument("--team-size", type=int, default=0, help="0: everyone in one team")
    p.add_argument(
        "--grades",
        default="practitioner",
        help="comma-separated grades the members who do not lead take in turn",
    )
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    if args.clients % GROUP or args.team_size % GROUP:
        p.error(f"--clients and --team-size must be multiples of {GROUP}")
    populate(args.clients, args.team_size, args.grades.split(","), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
