"""Generic realtime plumbing: sockets, who is connected, presence, the relay between
instances, and `publish_on_commit(event)`, the one way any domain reaches a socket.

It knows nothing about the domains: they define typed events (`events.Event`) and register
their frame handlers; team and user ids are passed in.
"""
