"""One real `ropeteam demo` for the websocket tests, with tokens for the demo people.

Heartbeats come every 2 s so tests that wait for one stay short.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.live.client import call
from tests.servers import Server

HEARTBEAT = 2


@dataclass
class Live:
    server: Server
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    northside: int = 0
    riverside: int = 0

    @property
    def url(self) -> str:
        return self.server.ws_url

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = self.server.token(username)
        return self.tokens[username]

    def api(self, username: str, method: str, path: str, body: object = None) -> object:
        return call(self.server.url, self.token(username), method, path, body)

    def conversation(self, username: str, *others: str, team: int | None = None) -> int:
        """The conversation of `username` with `others` (started if new)."""
        started = self.api(
            username,
            "POST",
            "/api/v1/conversations",
            {"team_id": team or self.northside, "member_ids": [self.ids[o] for o in others]},
        )
        assert isinstance(started, dict)
        return int(started["id"])


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    server = Server(
        tmp_path_factory.mktemp("live"),
        suffix="_live",
        env={"ROPETEAM_HEARTBEAT_SECONDS": str(HEARTBEAT)},
    ).start()
    try:
        state = Live(server)
        for team in state.api("admin", "GET", "/api/v1/teams"):  # type: ignore[attr-defined]
            if team["name"] == "Northside Outreach":
                state.northside = team["id"]
            elif team["name"] == "Riverside Youth":
                state.riverside = team["id"]
        for team_id in (state.northside, state.riverside):
            members = state.api("admin", "GET", f"/api/v1/teams/{team_id}/members")
            for member in members:  # type: ignore[attr-defined]
                state.ids[member["username"]] = member["id"]
        yield state
    finally:
        server.stop()
