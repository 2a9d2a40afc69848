"""The realtime path: the `/ws/v1` socket, its hub and the writer (docs/protocol.md)."""
