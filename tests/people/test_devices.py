"""How "My devices" names a browser and how little of the address it keeps."""

import pytest

from ropeteam.people.flow import coarse_address, device_words


@pytest.mark.parametrize(
    ("agent", "words"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            ("Safari", "iPhone"),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            ("Edge", "Windows"),
        ),
        ("curl/8.5.0", ("", "")),
    ],
)
def test_a_user_agent_is_named_in_plain_words(agent: str, words: tuple[str, str]) -> None:
    assert device_words(agent) == words


def test_only_the_network_of_an_address_is_kept() -> None:
    assert coarse_address("203.0.113.77") == "203.0.113.0/24"
    assert coarse_address("2001:db8:1234:5678::1") == "2001:db8:1234::/48"
    assert coarse_address("unknown") == ""
