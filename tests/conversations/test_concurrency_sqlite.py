"""Concurrent senders on the single-machine default: a SQLite file with IMMEDIATE transactions.

`send_message` relies on SQLite admitting one writer at a time (its `select_for_update` is a
no-op there). The test database cannot show that (its in-memory, shared-cache database makes
concurrent writers fail with "database table is locked" instead of waiting), so this runs
the real configuration in a child process with its own data directory.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

THREADS = 8
SENDS = 25
RETRIED = 30

SCRIPT = """
import json, sys, threading, uuid

import django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.db import connection

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
call_command("migrate", verbosity=0)

from ropeteam.conversations import actions
from ropeteam.conversations.models import Conversation, Message
from ropeteam.people import actions as people

THREADS, SENDS, RETRIED = (int(n) for n in sys.argv[1:4])
organisation = people.create_organisation(actor=None, name="Trust")
admin = people.create_account(actor=None, username="admin", display_name="A", password="p" * 12)
people.grant_org_admin(actor=None, organisation=organisation, user=admin)
team = people.create_team(actor=admin, organisation=organisation, name="Northside")
users = []
for name in ["priya", "sam", "jo", "morgan"]:
    user = people.create_account(actor=None, username=name, display_name=name, password="p" * 12)
    people.add_member(actor=admin, team=team, user=user, role="practitioner", grade="practitioner")
    users.append(user)
room, _new = actions.start_conversation(
    actor=users[0], team=team, member_ids=[u.pk for u in users]
)
connection.close()

def together(work):
    start, results, failures = threading.Barrier(len(work)), [None] * len(work), []
    def run(i):
        try:
            start.wait(timeout=30)
            results[i] = work[i]()
        except BaseException as error:
            failures.append(repr(error))
        finally:
            connection.close()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, failures

def sender(n):
    def go():
        me, here = users[n % len(users)], Conversation.objects.get(pk=room.pk)
        return [
            actions.send_message(
                actor=me, conversation=here, client_id=uuid.uuid4(), body=f"{n}:{i}"
            ).message.seq
            for i in range(SENDS)
        ]
    return go

acked, failures = together([sender(n) for n in range(THREADS)])

ids = [uuid.uuid4() for _ in range(RETRIED)]
def device(order):
    def go():
        here = Conversation.objects.get(pk=room.pk)
        return [
            [str(c), *(lambda s: [s.message.seq, s.is_new])(
                actions.send_message(actor=users[1], conversation=here, client_id=c, body="r")
            )]
            for c in order
        ]
    return go

retries, retry_failures = together([device(ids), device(ids[::-1]), device(ids)])
print(json.dumps({
    "acked": acked,
    "retries": retries,
    "failures": failures + retry_failures,
    "seqs": list(Message.objects.filter(conversation=room).values_list("seq", flat=True)),
    "last_seq": Conversation.objects.get(pk=room.pk).last_seq,
    "retried_stored": Message.objects.filter(sender=users[1], client_id__in=ids).count(),
}))
"""


@pytest.mark.slow
def test_concurrent_senders_on_a_sqlite_file_get_gap_free_seqs_and_retries_store_once(
    tmp_path: Path,
) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ROPETEAM_") and key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= {"ROPETEAM_DATA": str(tmp_path), "DJANGO_SETTINGS_MODULE": "ropeteam.config.settings"}

    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(THREADS), str(SENDS), str(RETRIED)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ropeteam.sqlite3").exists()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["failures"] == []
    total = THREADS * SENDS
    acked = result["acked"]
    assert all(mine == sorted(mine) for mine in acked)
    assert sorted(s for mine in acked for s in mine) == list(range(1, total + 1))
    # The retried messages come after the first 200, each stored once.
    assert sorted(result["seqs"]) == list(range(1, total + RETRIED + 1))
    assert result["last_seq"] == total + RETRIED
    assert result["retried_stored"] == RETRIED
    told: dict[str, set[int]] = {}
    stored_by: dict[str, int] = {}
    for device in result["retries"]:
        for client_id, seq, is_new in device:
            told.setdefault(client_id, set()).add(seq)
            stored_by[client_id] = stored_by.get(client_id, 0) + is_new
    assert all(len(seqs) == 1 for seqs in told.values())
    assert set(stored_by.values()) == {1}
