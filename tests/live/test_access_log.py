"""The real server's access log never shows an invitation or reset token."""

import contextlib
import urllib.error
import urllib.request

from tests.live.conftest import Live


def test_invitation_and_reset_tokens_are_not_in_the_servers_access_log(live: Live) -> None:
    secrets = ["INVITEsecret7f3a", "RESETsecret9b2c"]
    for path in (f"/join/{secrets[0]}/", f"/reset/MQ/{secrets[1]}/"):
        # Unknown tokens are refused, and still logged.
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(live.server.url + path)  # noqa: S310  the test server
    log = live.server.log.read_text(errors="replace")
    assert "/join/[redacted]/" in log
    assert not any(secret in log for secret in secrets)
