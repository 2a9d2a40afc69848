"""How events published anywhere in the application reach sockets: through this hub."""

from ropeteam.conversations.live.hub import carry
from ropeteam.realtime import publish


def connect() -> None:
    publish.carry_with(carry)
