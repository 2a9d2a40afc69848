"""Riverside's concerns, oldest first: two, too few for figures, as a small team would have."""

from ropeteam.concerns.actions import Statement
from ropeteam.demo.concern_stories.shapes import Story, answered, ended

RIVERSIDE = "Riverside Youth"

STORIES = [
    Story(
        RIVERSIDE,
        "lee",
        "kim",
        "probe",
        44,
        Statement(
            noticed="RS-12's plan was changed at last week's meeting, but I only heard two days "
            "later.",
            matters="I saw the family in between and gave them the old arrangements.",
            suggest="A quick message to the keyworker when a plan changes.",
            asking="Could that become the routine?",
        ),
        (
            answered(
                6,
                "acknowledge",
                "Sorry, Lee, that should have come to you straight away. I'll message the "
                "keyworker from the meeting from now on.",
            ),
            ended(7, "changed", "Plan changes now go to the keyworker from the meeting."),
        ),
        case="RS-12",
    ),
    Story(
        RIVERSIDE,
        "kim",
        "lee",
        "alert",
        18,
        Statement(
            noticed="You've been leaving your phone at the office for the Tuesday outreach walk.",
            matters="If something happens on the walk, nobody can reach you and you can't "
            "call for help.",
            suggest="Keep it on you, on silent if you prefer.",
            asking="Can you take it from next week?",
        ),
        (
            answered(
                2,
                "acknowledge",
                "Fair point. I left it to be less distracted, but I'll keep it on silent in my "
                "pocket.",
            ),
            ended(2.5, "resolved"),
        ),
    ),
]
