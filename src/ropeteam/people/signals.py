"""What other domains may react to.

The realtime layer listens: a narrowed access closes the person's open sockets, and a
changed availability is shown to their teammates at once; both are sent after the change
is committed. notify listens for new rope holders, sent INSIDE the transaction that saves
them, so the alert it enqueues commits with them or not at all (receivers only write).
"""

from django.dispatch import Signal

# user_id: whose access narrowed (deactivated, removed from a team, token revoked).
access_narrowed = Signal()
# user_id: who changed their availability.
availability_changed = Signal()
# team_id, worker_id, actor_id, holder_ids: colleagues who now hold worker's rope and did not.
rope_holders_added = Signal()
