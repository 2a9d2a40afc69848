"""The password policy (docs/security.md): 12 to 128 characters, not common, no context words."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from ropeteam.core.errors import InvalidInput
from ropeteam.people import actions
from ropeteam.people.models import Membership, User
from tests.conftest import World


def _refusal(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


CONTEXT = (
    "The password must not contain your name, username, e-mail address, team or organisation, "
    "or the word “ropeteam”."
)


def test_a_long_uncommon_passphrase_is_accepted(world: World) -> None:
    assert _refusal("copper kettle on a windy hill", world.sam) == []


def test_eleven_characters_are_too_few() -> None:
    assert _refusal("x7#kq!mz2pw") == [
        "This password is too short. It must contain at least 12 characters."
    ]
    assert _refusal("x7#kq!mz2pwv") == []


def test_more_than_128_characters_are_refused() -> None:
    assert _refusal("a-b" * 42 + "cd") == []  # 128
    assert _refusal("a-b" * 43) == ["The password must be at most 128 characters long."]


def test_a_common_password_is_refused_whatever_its_length() -> None:
    assert "This password is too common." in _refusal("password1234")


@pytest.mark.parametrize(
    "password",
    [
        "Ropeteam-is-my-password",
        "rope team 4 ever and ever",
        "northside copper kettle",  # a team of theirs
        "test trust copper kettle",  # their organisation
    ],
)
def test_context_words_are_refused(world: World, password: str) -> None:
    assert CONTEXT in _refusal(password, world.sam)


def test_a_persons_username_name_and_email_are_context_words(world: World) -> None:
    user = User(username="robin_b", display_name="Robin Banks", email="rbanks@example.org")
    assert CONTEXT in _refusal("kettle robin_b windy hill", user)
    assert CONTEXT in _refusal("kettle robinb windy hill", user)
    assert CONTEXT in _refusal("kettle banks windy hill", user)
    assert CONTEXT in _refusal("kettle rbanks windy hill", user)
    # Pieces under four letters would refuse too many good passphrases ("Sam" in "same").
    assert _refusal("the same kettle on a hill", world.sam) == []


def test_joining_a_team_the_teams_and_organisations_names_are_refused(world: World) -> None:
    _invitation, raw = actions.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    with pytest.raises(InvalidInput) as refused:
        actions.accept_invitation(
            raw=raw, username="robin", display_name="Robin", password="the northside kettle"
        )
    assert refused.value.message == CONTEXT
    assert not Membership.objects.filter(user__username="robin").exists()
