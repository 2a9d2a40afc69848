"""Visits move their deadlines from `next_due_at` and the sweeper to the escalation engine.

Every open visit gets the chain of its current round (the steps it has fired marked fired,
so none fires twice; a top step already fired repeats until acknowledged) and, while its
rope holder has not accepted, the wait before the next one is asked. Then `next_due_at`,
which nothing reads any more, goes.
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

CHAIN, ROPE = "visits.chain", "visits.rope"  # visits.actions when this was written
ROPE_WAIT = timedelta(minutes=5)
STEPS = 4


def forwards(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Escalation = apps.get_model("visits", "Escalation")
    Chain = apps.get_model("escalation", "Chain")
    Step = apps.get_model("escalation", "Step")
    now, repeat = timezone.now(), settings.VISIT_REPEAT_SECONDS
    for visit in Visit.objects.exclude(state="ended"):
        fired = dict(
            Escalation.objects.filter(visit=visit, round=visit.round, step__lt=STEPS).values_list(
                "step", "fired_at"
            )
        )
        chain = Chain.objects.create(
            ladder=CHAIN,
            subject_id=visit.pk,
            round=visit.round,
            repeat_seconds=repeat,
            opened_at=visit.expected_end,
        )
        for position, offset in enumerate(visit.chain_seconds):
            at = fired.get(position)
            Step.objects.create(
                chain=chain,
                position=position,
                due_at=visit.expected_end + timedelta(seconds=offset),
                state="fired" if at else "pending",
                fired_at=at,
            )
        if len(fired) == STEPS:
            Step.objects.create(
                chain=chain,
                position=STEPS,
                due_at=now + timedelta(seconds=repeat),
                is_repeat=True,
            )
        if visit.state == "awaiting_rope" and visit.rope_asked_at is not None:
            rope = Chain.objects.create(
                ladder=ROPE,
                subject_id=visit.pk,
                round=1,
                repeat_seconds=int(ROPE_WAIT.total_seconds()),
                opened_at=visit.rope_asked_at,
            )
            Step.objects.create(chain=rope, position=0, due_at=visit.rope_asked_at + ROPE_WAIT)


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
        ("escalation", "0002_chain_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="alerted_again_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="escalation",
            name="repeats",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="visit", name="visit_ended_has_no_deadline"),
        migrations.RemoveField(model_name="visit", name="next_due_at"),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("ended_at__isnull", False), ("state", "ended")),
                    models.Q(
                        models.Q(("state", "ended"), _negated=True), ("ended_at__isnull", True)
                    ),
                    _connector="OR",
                ),
                name="visit_ended_at_when_ended",
            ),
        ),
    ]
