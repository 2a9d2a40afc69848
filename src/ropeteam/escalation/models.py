"""What the worker leaves behind so that anyone can tell whether deadlines are running."""

from django.db import models


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
