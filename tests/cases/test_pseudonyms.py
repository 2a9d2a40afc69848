import pytest
from hypothesis import given
from hypothesis import strategies as st

from ropeteam.cases.pseudonyms import identifying_details


@pytest.mark.parametrize(
    "text",
    [
        "DOB 03/04/2009",
        "born 2009-04-03",
        "seen on 3rd April 2009",
        "call 07700 900123",
        "mum on +44 7700 900123",
        "email jt@example.org",
        "lives near M1 4BT",
        "NHS 943 476 5919",
        "date of birth unknown",
    ],
)
def test_obvious_identifying_details_are_spotted(text: str) -> None:
    assert identifying_details(text)


@pytest.mark.parametrize(
    "text",
    [
        "NS-101",
        "Missing overnight twice this week; exploitation concerns raised by school.",
        "Risk reviewed with the team on Tuesday after 2 missed sessions.",
        "Settled at college, 15 hours a week.",
    ],
)
def test_ordinary_case_notes_pass(text: str) -> None:
    assert identifying_details(text) == []


@given(day=st.integers(1, 28), month=st.integers(1, 12), year=st.integers(1990, 2025))
def test_every_full_date_is_spotted(day: int, month: int, year: int) -> None:
    assert identifying_details(f"x {day:02d}/{month:02d}/{year} y")
    assert identifying_details(f"x {year}-{month:02d}-{day:02d} y")
