"""What other domains may react to, sent after the change is committed.

The realtime layer listens: a narrowed access closes the person's open sockets, and a
changed availability is shown to their teammates at once.
"""

from django.dispatch import Signal

# user_id: whose access narrowed (deactivated, removed from a team, token revoked).
access_narrowed = Signal()
# user_id: who changed their availability.
availability_changed = Signal()
