"""Messaging serves the frames of every socket the realtime hub holds."""

from ropeteam.conversations.live.messaging import Messaging
from ropeteam.realtime import hub


def connect() -> None:
    hub.serve(Messaging)
