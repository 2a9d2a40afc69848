"""What the page tests share: a colleague with a phone, and reading what a page says."""

from html import unescape

import pytest
from django.http import HttpResponse

from ropeteam.people import actions as people
from ropeteam.people.models import User
from tests.conftest import PASSWORD, World


def page_text(response: HttpResponse) -> str:
    """The page's HTML with entities decoded, so messages compare as people read them."""
    return unescape(response.content.decode())


def refused(response: HttpResponse, message: str) -> bool:
    """The page came back as 400 and shows this exact message."""
    return response.status_code == 400 and message in page_text(response)


@pytest.fixture
def rita(world: World) -> User:
    """A keyworker who joined Northside through an invitation and gave her phone number."""
    _invitation, raw = people.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    membership = people.accept_invitation(
        raw=raw, username="rita", display_name="Rita", password=PASSWORD, phone="07700 900 111"
    )
    return membership.user
