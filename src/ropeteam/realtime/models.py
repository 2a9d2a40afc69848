from django.db import models


class LiveEvent(models.Model):
    """An event for open sockets from a process that holds none (the task worker, the CLI).

    Every server process reads new rows a few times a second and acts on them, so a visit's
    escalation or a widened request reaches screens on a single machine without Redis.
    Rows are kept a few minutes, then deleted.
    """

    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=32)  # live.event, live.wake, live.revoke, live.availability
    payload = models.JSONField()

    class Meta:
        # Made by conversations (its migration 0002) before realtime was a package of its own;
        # the table stays where it is.
        db_table = "conversations_liveevent"

    def __str__(self) -> str:
        return f"{self.kind} event {self.pk}"
