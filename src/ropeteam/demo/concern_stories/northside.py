"""Northside's concerns, oldest first: enough for its lead's figures to show."""

from ropeteam.concerns.actions import Statement
from ropeteam.demo.concern_stories.shapes import (
    Story,
    answered,
    challenged,
    ended,
    not_answered,
    stepped_up,
)

NORTHSIDE = "Northside Outreach"

STORIES = [
    Story(
        NORTHSIDE,
        "alex",
        "sam",
        "probe",
        52,
        Statement(
            noticed="Your visit plan for last night had no rope holder named.",
            matters="I was on duty and would not have known who to ring if you had gone quiet.",
            suggest="Name a rope holder on every plan, even for a quick visit.",
            asking="Can you help me understand how you decide when one is needed?",
        ),
        (
            not_answered(24),
            answered(
                26.5,
                "acknowledge",
                "Sorry, I was on leave yesterday and only saw this now. You're right: I had "
                "someone in mind but didn't put them on the plan. I'll name one every time.",
            ),
            ended(27, "changed", "Sam now names a rope holder on every visit plan."),
        ),
    ),
    Story(
        NORTHSIDE,
        "sam",
        "jo",
        "alert",
        47,
        Statement(
            noticed="The risk on NS-201 went up to critical last week, but the case note "
            "still describes the old safety plan.",
            matters="I cover your cases on Thursdays and would be working from the wrong plan.",
            suggest="Add the new plan and the out-of-hours contacts to the note.",
            asking="Could you update it before my next cover day?",
        ),
        (
            answered(
                1.75,
                "acknowledge",
                "You're right, it slipped after the strategy meeting. Updated now, with the "
                "out-of-hours numbers.",
            ),
            ended(3, "changed", "Note updated the same afternoon."),
        ),
        case="NS-201",
    ),
    Story(
        NORTHSIDE,
        "jo",
        "morgan",
        "probe",
        41,
        Statement(
            noticed="At last week's formulation meeting we didn't agree who would call the "
            "family afterwards.",
            matters="They were expecting a call, and I'm not sure anyone made it.",
            suggest="End each formulation meeting by naming who does what.",
            asking="Can you help me understand who was meant to follow up?",
        ),
        (
            answered(5.25, "acknowledge", "I thought the keyworker would, but I'll check."),
            stepped_up(
                74,
                noticed="Nobody has called them yet, and the family rang me this morning, upset.",
                asking="Please can we agree today who calls them, and add it to the meeting "
                "template?",
            ),
            answered(
                75.5,
                "acknowledge",
                "I've called them and apologised. I'll add 'who follows up' to the template.",
            ),
            ended(77, "changed", "Follow-up is now a line on the formulation template."),
        ),
    ),
    Story(
        NORTHSIDE,
        "dee",
        "sam",
        "probe",
        37,
        Statement(
            noticed="The lone-working log shows you signed in at the Hollins Road flats "
            "yesterday and never signed out.",
            matters="When nobody signs out, I can't tell whether to start ringing round at six.",
            suggest="A quick text to the team phone when you're done.",
            asking="Could you sign out, or let me know when you can't?",
        ),
        (
            answered(
                1.5,
                "acknowledge",
                "Sorry, Dee: my phone died in the car. I've put a charger in my bag, and I'll "
                "ring from the office if it happens again.",
            ),
            ended(2, "resolved", "Thanks, Sam."),
        ),
    ),
    Story(
        NORTHSIDE,
        "sam",
        "priya",
        "alert",
        33,
        Statement(
            noticed="For two team meetings running, the medium-risk cases were dropped from "
            "the review for lack of time.",
            matters="Those are the cases that drift upwards without anyone noticing.",
            suggest="Review them first, with a fixed twenty minutes.",
            asking="Could we try that for the next month?",
        ),
        (
            answered(
                3.25,
                "acknowledge",
                "Agreed. From next week medium-risk cases go first on the agenda, and I'll "
                "keep time.",
            ),
            ended(3.5, "changed", "Medium-risk cases now open the team meeting."),
        ),
    ),
    Story(
        NORTHSIDE,
        "jo",
        "alex",
        "probe",
        29,
        Statement(
            noticed="The note after your last visit to NS-302 doesn't record the new address "
            "or who else lives there.",
            matters="Out of hours, the duty lead would go to the old address.",
            suggest="Add the address and the household to the note; I'm happy to look it over "
            "with you.",
            asking="Can you update it today?",
        ),
        (
            answered(
                4,
                "acknowledge",
                "Thanks, done. I wasn't sure whether it belonged in the note or in the case "
                "details, so it's in both now.",
            ),
            ended(5, "resolved", "We looked it over together; it's all there."),
        ),
        case="NS-302",
    ),
    Story(
        NORTHSIDE,
        "morgan",
        "alex",
        "alert",
        24,
        Statement(
            noticed="You've planned this evening's visit to NS-301 on your own.",
            matters="Since the last visit there, the safety plan says two workers after dark.",
            suggest="Take Sam, or move the visit to the afternoon.",
            asking="Can you change the plan before you go?",
        ),
        (
            answered(
                0.75,
                "see_differently",
                "It's at the family home with mum there, and they know me well by now. I "
                "think it's fine.",
            ),
            stepped_up(
                1.25,
                matters="I'm uncomfortable: this is a safety issue, and the plan exists for "
                "evenings like this one.",
                asking="Please don't go alone tonight.",
            ),
            answered(1.75, "acknowledge", "OK. Sam can come at six, so we'll go together."),
            ended(2.5, "changed", "Visited in a pair; two workers after dark until the review."),
        ),
        case="NS-301",
    ),
    Story(
        NORTHSIDE,
        "sam",
        "jo",
        "alert",
        20,
        Statement(
            noticed="The duty phone went to voicemail three times yesterday afternoon "
            "while you had it.",
            matters="A worker on a visit may need it answered first time.",
            suggest="Hand it on when you can't answer it.",
            asking="Could you help me understand what happened?",
        ),
        (
            answered(
                2,
                "see_differently",
                "I was giving evidence in court and had asked Dee to take the calls. The "
                "divert didn't work; I've reported it.",
            ),
            ended(3, "resolved", "Makes sense: I hadn't seen the note to Dee."),
        ),
    ),
    Story(
        NORTHSIDE,
        "jo",
        "sam",
        "alert",
        16,
        Statement(
            noticed="For the third Friday running, there was no handover sheet for your cases.",
            matters="The weekend duty lead had nothing on NS-101, which is high risk.",
            suggest="Fill in the sheet before you leave on Fridays, even briefly.",
            asking="Can you do it this Friday?",
        ),
        (
            answered(
                2.75, "see_differently", "Everything is in the case notes; the sheet repeats them."
            ),
            stepped_up(
                24,
                noticed="The duty lead doesn't read every case note on a Saturday.",
                matters="I'm uncomfortable: this is a safety issue.",
                asking="Please do the handover sheet this Friday.",
            ),
            answered(24.5, "see_differently", "I'll try, but Fridays are when my visits run late."),
            challenged(
                72,
                noticed="The sheet was missing again.",
                asking="I'd like us to look at this with Priya.",
            ),
            answered(
                72.75,
                "acknowledge",
                "Fair. I'll finish visits by four on Fridays and do the sheet then.",
            ),
            ended(
                96, "changed", "Agreed with Priya: Friday visits end by four, sheet before leaving."
            ),
        ),
    ),
    Story(
        NORTHSIDE,
        "dee",
        "morgan",
        "escalate",
        12,
        Statement(
            noticed="The police update I filed this morning flags the address where tonight's "
            "visit plan for NS-401 has you meeting.",
            matters="This is a safety issue for you and for the young person, and it can't "
            "wait until the morning.",
            suggest="Meet somewhere public, or wait until Priya has seen the police update.",
            asking="Please change the meeting place before tonight.",
        ),
        (
            answered(
                0.5,
                "acknowledge",
                "I hadn't seen the police update. We're meeting at the library instead, and "
                "Priya has the new plan.",
            ),
            ended(1, "changed", "Meeting place changed, and the police update is on the case."),
        ),
        case="NS-401",
    ),
    Story(
        NORTHSIDE,
        "jo",
        "morgan",
        "alert",
        9,
        Statement(
            noticed="Evening visits on the Parkside estate are going ahead without a second "
            "worker.",
            matters="Two of us were followed there last month, and I don't think the risk "
            "assessment reflects that.",
            suggest="Pair up for Parkside after dark until the assessment is reviewed.",
            asking="Can we agree to pair up from this week?",
        ),
        (
            answered(
                3,
                "see_differently",
                "The assessment allows lone visits to known addresses, and pairing would halve "
                "the visits we can do.",
            ),
            ended(
                24,
                "escalated",
                "We still see this differently, so I've asked Priya to review the Parkside "
                "assessment with us.",
            ),
        ),
    ),
    Story(
        NORTHSIDE,
        "morgan",
        "jo",
        "probe",
        6,
        Statement(
            noticed="The review date for NS-203 passed last week, and I can't see a new one "
            "booked.",
            matters="The family were told they would hear from us, and they're waiting.",
            suggest="Book it this week, or let me know if I can.",
            asking="Can you tell me where it's up to?",
        ),
        (
            not_answered(24),
            not_answered(48),
            answered(
                50,
                "acknowledge",
                "I was on leave and it fell through the gap. Booked for Tuesday, and the "
                "family know.",
            ),
            ended(52, "changed", "Review booked; leave cover now includes review dates."),
        ),
        case="NS-203",
    ),
    Story(
        NORTHSIDE,
        "priya",
        "jo",
        "probe",
        3,
        Statement(
            noticed="Three of your visits last week ended without a check-in to your rope holder.",
            matters="Your rope holders can only help if they know you're safe.",
            suggest="A one-line message as you leave, even when it's late.",
            asking="Can we talk about what gets in the way?",
        ),
        (ended(4, "resolved", "We talked it through in supervision this afternoon."),),
    ),
]
