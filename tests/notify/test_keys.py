"""`ropeteam keys vapid`: a key pair an operator can paste into the configuration."""

from typing import Any

from ropeteam.cli import main
from ropeteam.notify import vapid


def test_keys_vapid_prints_a_private_key_line_and_its_public_key(capsys: Any) -> None:
    assert main(["keys", "vapid"]) == 0

    first, second = capsys.readouterr().out.splitlines()
    name, _eq, private = first.partition("=")
    assert name == "ROPETEAM_VAPID_PRIVATE_KEY"
    assert len(vapid.b64url_decode(private)) == 32
    public = second.rsplit(" ", 1)[1]
    assert public == vapid.public_key_of(vapid.private_key_from(private))
    assert len(vapid.b64url_decode(public)) == 65


def test_every_run_makes_a_new_key(capsys: Any) -> None:
    main(["keys", "vapid"])
    main(["keys", "vapid"])

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] != lines[2]
