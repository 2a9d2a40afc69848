"""Concerns still waiting move their deadline from django-tasks to the escalation engine.

The `unanswered` task is gone: a row left for it would fail in the worker and its concern
would never be re-sent or escalated. Each waiting concern gets the chain its round would have.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

LADDER = "concerns.unanswered"  # concerns.actions.LADDER when this was written
# concerns.actions.DEFAULT_TIMES when this was written, by level.
DEFAULT_SECONDS = {1: 24 * 3600, 2: 4 * 3600, 3: 3600, 4: 3600}


def forwards(apps, schema_editor):
    Concern = apps.get_model("concerns", "Concern")
    Times = apps.get_model("concerns", "Times")
    Chain = apps.get_model("escalation", "Chain")
    Step = apps.get_model("escalation", "Step")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(
        task_path="ropeteam.concerns.tasks.unanswered", status="READY"
    ).delete()
    now = timezone.now()
    for row in Concern.objects.filter(state="raised"):
        own = Times.objects.filter(team_id=row.team_id).first()
        seconds = (
            [own.probe_seconds, own.alert_seconds, own.challenge_seconds, own.escalate_seconds][
                row.level - 1
            ]
            if own is not None
            else DEFAULT_SECONDS[row.level]
        )
        wait = timedelta(seconds=seconds)
        chain = Chain.objects.create(
            ladder=LADDER, subject_id=row.pk, round=row.round, repeat_seconds=seconds, opened_at=now
        )
        # What comes next (the re-send, the escalation, or an alert again to whoever it
        # already went to); its repeats follow from when it fires.
        Step.objects.create(chain=chain, position=0, due_at=row.due_at or now + wait)


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0001_initial"),
        ("escalation", "0002_chain_step"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
