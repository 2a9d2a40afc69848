"""Requests still waiting move their deadline from django-tasks to the escalation engine.

The `widen_unanswered` task is gone: a row left for it would fail in the worker and its
request would never widen. Each waiting request gets the chain its circle would have.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LADDER = "thinking.widening"  # thinking.actions.LADDER when this was written
DUTY_LEAD = 4


def forwards(apps, schema_editor):
    Consultation = apps.get_model("thinking", "Consultation")
    Chain = apps.get_model("escalation", "Chain")
    Step = apps.get_model("escalation", "Step")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    DBTaskResult.objects.filter(
        task_path="ropeteam.thinking.tasks.widen_unanswered", status="READY"
    ).delete()
    now, repeat = timezone.now(), settings.THINKING_REPEAT_SECONDS
    for row in Consultation.objects.filter(state="requested"):
        chain = Chain.objects.create(
            ladder=LADDER,
            subject_id=row.pk,
            round=row.circle,
            repeat_seconds=repeat,
            opened_at=now,
        )
        last = row.circle >= DUTY_LEAD
        due = now + timedelta(seconds=repeat) if last else (row.widen_at or now)
        Step.objects.create(chain=chain, position=0, due_at=due)


class Migration(migrations.Migration):
    dependencies = [
        ("thinking", "0001_initial"),
        ("escalation", "0002_chain_step"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
