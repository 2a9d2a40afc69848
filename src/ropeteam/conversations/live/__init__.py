"""Messaging on the realtime path (docs/protocol.md): its frames, the writer's SQL, and the
handlers it registers with `ropeteam.realtime`'s hub."""
