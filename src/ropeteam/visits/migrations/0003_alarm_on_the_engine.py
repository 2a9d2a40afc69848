"""An alarm nobody has acknowledged repeats on the escalation engine (ladder `visits.alarm`).

Every visit still open with an alarm nobody has said "I'm on it" to gets the alarm's chain:
its first repeat one interval from now (not from when it was pressed, so a burst of
overdue repeats does not fire at deploy). Alarms of visits already ended before this change
are left as they were: they were silenced under the old rules, and reviving one weeks later
would teach people to ignore alarms.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

ALARM_CHAIN, ALARM = "visits.alarm", 9  # visits.actions and visits.models when this was written


def forwards(apps, schema_editor):
    Escalation = apps.get_model("visits", "Escalation")
    Chain = apps.get_model("escalation", "Chain")
    Step = apps.get_model("escalation", "Step")
    now, repeat = timezone.now(), settings.VISIT_REPEAT_SECONDS
    alarms = Escalation.objects.filter(step=ALARM, acknowledged_at__isnull=True).exclude(
        visit__state="ended"
    )
    for alarm in alarms:
        chain = Chain.objects.create(
            ladder=ALARM_CHAIN,
            subject_id=alarm.visit_id,
            round=1,
            repeat_seconds=repeat,
            opened_at=now,
        )
        Step.objects.create(chain=chain, position=0, due_at=now + timedelta(seconds=repeat))


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0002_chain_on_the_engine"),
        ("escalation", "0002_chain_step"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
