"""Signals conversations send to the domains above it (which conversations must not import).

`messages_stored` is sent INSIDE the transaction that stores messages, once per batch, with
`messages=[(conversation_id, seq, sender_id), ...]` (the batch in the order stored; several
conversations may be in one batch) and `urgent=[(conversation_id, seq), ...]`, those of them
the sender marked urgent (usually none). Receivers run in that transaction on the sender's own
database connection: what they write commits with the messages or not at all, and an
exception in a receiver rolls the batch back. So a receiver does only quick database writes
(enqueue a task, say) and no network calls; the senders are `actions.send_message` and the
websocket writer, which both count on that.
"""

from django.dispatch import Signal

messages_stored = Signal()
