"""The escalation engine's chains and steps, and the worker's heartbeat.

Only `engine.py` writes chains and steps; whether deadlines are running is read from the
heartbeat and from the oldest pending step that is due.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ropeteam.core.choices import choices_of
from ropeteam.escalation.flow import ChainState, StepState


class Heartbeat(models.Model):
    """One row per worker process, rewritten every few seconds while it runs.

    `/readyz`, the leads' banner and `ropeteam check` read the newest `beat_at`: a worker that
    died or hangs stops writing, and that is how its death becomes visible.
    """

    worker = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%H:%M:%S}"


class Chain(models.Model):
    """One round of a ladder for one subject (a request for help, a concern, a visit)."""

    ladder = models.CharField(max_length=50)  # the registered ladder's name
    subject_id = models.PositiveBigIntegerField()  # the primary key of the ladder's subject
    round = models.PositiveIntegerField()
    state = models.CharField(
        max_length=16, choices=choices_of(ChainState), default=ChainState.OPEN.value
    )
    repeat_seconds = models.PositiveIntegerField()  # how often the last step repeats
    opened_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ladder", "subject_id", "round"], name="chain_round_once"
            ),
            # One open chain per subject and ladder: a new round supersedes the last, so two
            # rounds never alert about the same thing at once.
            models.UniqueConstraint(
                fields=["ladder", "subject_id"],
                condition=Q(state=ChainState.OPEN.value),
                name="chain_one_open",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ChainState]), name="chain_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(repeat_seconds__gt=0), name="chain_repeats_after_a_while"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=ChainState.ACKNOWLEDGED.value) & Q(acknowledged_at__isnull=False)
                )
                | (~Q(state=ChainState.ACKNOWLEDGED.value) & Q(acknowledged_at__isnull=True)),
                name="chain_acknowledged_when_said",
            ),
            models.CheckConstraint(
                condition=(Q(state=ChainState.CANCELLED.value) & Q(cancelled_at__isnull=False))
                | (~Q(state=ChainState.CANCELLED.value) & Q(cancelled_at__isnull=True)),
                name="chain_cancelled_when_said",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ladder} {self.subject_id} round {self.round}"


class Step(models.Model):
    """One step of a chain, due at a UTC instant; it fires at most once, in position order."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=16, choices=choices_of(StepState), default=StepState.PENDING.value
    )
    is_repeat = models.BooleanField(default=False)
    fired_at = models.DateTimeField(null=True, blank=True)
    # A handler that failed is tried again after a pause; `due_at` stays, so the delay shows.
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A position fires once: a second row for it could fire it again.
            models.UniqueConstraint(fields=["chain", "position"], name="step_position_once"),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in StepState]), name="step_state_valid"
            ),
            models.CheckConstraint(
                condition=(Q(state=StepState.FIRED.value) & Q(fired_at__isnull=False))
                | (~Q(state=StepState.FIRED.value) & Q(fired_at__isnull=True)),
                name="step_fired_when_said",
            ),
        ]
        indexes = [
            # What the worker asks four times a second: the pending steps that are due.
            models.Index(
                fields=["due_at"],
                condition=Q(state=StepState.PENDING.value),
                name="step_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"step {self.position} of {self.chain}"
