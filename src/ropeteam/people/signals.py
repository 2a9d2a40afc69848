"""What other domains may react to.

notify listens for new rope holders, sent INSIDE the transaction that saves them, so the
alert it enqueues commits with them or not at all (receivers only write). Open sockets hear
of narrowed access and changed availability through typed events instead (`people.events`,
published with `realtime.publish_on_commit`).
"""

from django.dispatch import Signal

# team_id, worker_id, actor_id, holder_ids: colleagues who now hold worker's rope and did not.
rope_holders_added = Signal()
