"""The words people read for each stored value (roles, grades, availability, risk, age)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ropeteam.cases.flow import AgeBand, RiskLevel
from ropeteam.concerns.flow import Level, Resolution, Response
from ropeteam.concerns.flow import State as ConcernState
from ropeteam.people.flow import Grade, Role, Status
from ropeteam.thinking.flow import Met, Mode, NextStep, State, Step, Task, Urgency

STATUS: dict[str, Promise] = {
    Status.AVAILABLE: _("Available"),
    Status.BUSY: _("Busy"),
    Status.ON_VISIT: _("On a visit"),
    Status.OFF_SHIFT: _("Off shift"),
}
ROLE: dict[str, Promise] = {
    Role.LEAD: _("Team lead"),
    Role.PRACTITIONER: _("Practitioner"),
    Role.ADMINISTRATOR: _("Team administrator"),
}
GRADE: dict[str, Promise] = {
    Grade.ADMINISTRATOR: _("Administrator"),
    Grade.NEWLY_QUALIFIED: _("Newly qualified"),
    Grade.PRACTITIONER: _("Practitioner"),
    Grade.SENIOR_PRACTITIONER: _("Senior practitioner"),
    Grade.TEAM_LEAD: _("Team lead"),
    Grade.MANAGER: _("Manager"),
}
RISK: dict[str, Promise] = {
    RiskLevel.LOW: _("Low"),
    RiskLevel.MEDIUM: _("Medium"),
    RiskLevel.HIGH: _("High"),
    RiskLevel.CRITICAL: _("Critical"),
}
AGE_BAND: dict[str, Promise] = {
    AgeBand.UNDER_12: _("Under 12"),
    AgeBand.AGE_12_14: _("12 to 14"),
    AgeBand.AGE_15_17: _("15 to 17"),
    AgeBand.AGE_18_21: _("18 to 21"),
    AgeBand.AGE_22_25: _("22 to 25"),
}
# The states of a message its sender sees (docs/protocol.md, "Message states").
MESSAGE_STATE: dict[str, Promise] = {
    "waiting": _("Waiting to send"),
    "sent": _("Sent"),
    "delivered": _("Delivered"),
    "read": _("Read"),
}
# Thinking Together (domain/AMBIT.md): what is asked for, and how it went.
TASK: dict[str, Promise] = {
    Task.DECISION: _("A decision"),
    Task.PLAN: _("A plan of action"),
    Task.UNDERSTANDING: _("An understanding"),
    Task.STEADIER: _("To feel steadier"),
    Task.PROCEDURE: _("A procedure"),
    Task.OTHER: _("Something else"),
}
URGENCY: dict[str, Promise] = {
    Urgency.NOW: _("Now"),
    Urgency.WITHIN_HOUR: _("Within the hour"),
    Urgency.TODAY: _("Today"),
}
MODE: dict[str, Promise] = {
    Mode.CHAT: _("In-app chat"),
    Mode.PHONE: _("Phone call"),
    Mode.VIDEO: _("Video link"),
    Mode.FACE_TO_FACE: _("Face to face"),
}
ASK: dict[str, Promise] = {
    "rope": _("My rope holders"),
    "team": _("Anyone available in my team"),
    "named": _("A named colleague"),
}
STEP: dict[str, Promise] = {
    str(Step.MARK.value): _("Mark the task"),
    str(Step.STATE.value): _("State the case"),
    str(Step.MENTALIZE.value): _("Mentalize the moment"),
    str(Step.RETURN.value): _("Return to purpose"),
}
MET: dict[str, Promise] = {
    Met.YES: _("Yes"),
    Met.PARTLY: _("Partly"),
    Met.NO: _("No"),
}
NEXT_STEP: dict[str, Promise] = {
    NextStep.CLOSE: _("Close: nothing more needed"),
    NextStep.WIDEN: _("Widen the quorum now"),
    NextStep.SUPERVISION: _("Take it to formal supervision"),
    NextStep.EMERGENCY: _("Emergency procedures"),
    NextStep.TEAM_MEETING: _("Carry it to the next team meeting"),
}
CONSULTATION_STATE: dict[str, Promise] = {
    State.REQUESTED: _("Waiting for a helper"),
    State.ACTIVE: _("Under way"),
    State.CLOSED: _("Closed"),
    State.CANCELLED: _("Cancelled"),
}
# Graded assertiveness (domain/AMBIT.md): the levels, keyed by their stored number.
LEVEL: dict[str, Promise] = {
    str(Level.PROBE.value): _("Probe"),
    str(Level.ALERT.value): _("Alert"),
    str(Level.CHALLENGE.value): _("Challenge"),
    str(Level.ESCALATE.value): _("Escalate"),
}
LEVEL_MEANING: dict[str, Promise] = {
    str(Level.PROBE.value): _("a curious question: “I noticed…, help me understand…”"),
    str(Level.ALERT.value): _("name the concern in the first person: “I am concerned about…”"),
    str(Level.CHALLENGE.value): _(
        "“I am uncomfortable; this is a safety issue”, with what could happen and what you "
        "propose, asking for agreement"
    ),
    str(Level.ESCALATE.value): _("stop the line: the team lead is involved at once"),
}
CONCERN_STATE: dict[str, Promise] = {
    ConcernState.RAISED: _("Waiting for a response"),
    ConcernState.RESPONDED: _("Answered"),
    ConcernState.RESOLVED: _("Resolved"),
}
RESPONSE: dict[str, Promise] = {
    Response.ACKNOWLEDGE: _("I hear you: acknowledge, with a reply"),
    Response.THINK_TOGETHER: _("Let's think it through together: a Thinking Together starts now"),
    Response.SEE_DIFFERENTLY: _("I see it differently: explain how"),
}
RESOLUTION: dict[str, Promise] = {
    Resolution.RESOLVED: _("Resolved"),
    Resolution.CHANGED: _("Resolved with a change"),
    Resolution.ESCALATED: _("Not resolved, and escalated"),
}
DIRECTION: dict[str, Promise] = {
    "upward": _("Upward: with someone of a higher grade"),
    "level": _("Level: with someone of the same grade"),
    "downward": _("Downward: with someone of a lower grade"),
}
# What each role is prompted with at each step. The helper's step 3 starts with the
# worker's own state ("own oxygen mask first") before the young person and the others.
PROMPTS: dict[tuple[str, int], tuple[Promise, ...]] = {
    ("seeker", Step.MARK): (
        _("Say what you want from these ten minutes."),
        _("A decision, a plan of action, an understanding, to feel steadier, a procedure?"),
    ),
    ("helper", Step.MARK): (
        _("Check the task is clear: what would make this time useful?"),
        _("Say the task back in your own words."),
    ),
    ("seeker", Step.STATE): (
        _("Bare-bones facts only: just enough for the task."),
        _("Leave out what the task does not need."),
    ),
    ("helper", Step.STATE): (
        _("Ask clarifying questions, and keep it short."),
        _("What do I need to know for this task, and nothing more?"),
    ),
    ("seeker", Step.MENTALIZE): (
        _("Notice what this is like for you, here and now: your own oxygen mask first."),
        _("Then wonder what might be going on for the young person, the family, the others."),
    ),
    ("helper", Step.MENTALIZE): (
        _("What is this like for you, here and now?"),
        _("What might be going on for the young person?"),
        _("And for the family, and the other professionals?"),
        _("Stay curious: no problem-solving yet."),
    ),
    ("seeker", Step.RETURN): (
        _("Go back to the task you marked: was it met?"),
        _("What is the product: a decision, an action (who does what, by when), an understanding?"),
        _("Check the limits: space, time, authority, responsibility, task."),
        _("No progress? Are enough people involved for the level of risk? If not, widen now."),
    ),
    ("helper", Step.RETURN): (
        _("Go back to the task marked at step 1: was it met?"),
        _("Help name the product: a decision, an action (who, by when), an understanding."),
        _("Check the limits: space, time, authority, responsibility, task."),
        _("No progress? Is the team quorate for the level of risk? If not, widen now."),
    ),
}
KINDS = {
    "status": STATUS,
    "role": ROLE,
    "grade": GRADE,
    "risk": RISK,
    "age_band": AGE_BAND,
    "message_state": MESSAGE_STATE,
    "task": TASK,
    "urgency": URGENCY,
    "mode": MODE,
    "step": STEP,
    "met": MET,
    "next_step": NEXT_STEP,
    "consultation_state": CONSULTATION_STATE,
    "level": LEVEL,
    "level_meaning": LEVEL_MEANING,
    "concern_state": CONCERN_STATE,
    "response": RESPONSE,
    "resolution": RESOLUTION,
    "direction": DIRECTION,
}


def choices(labels: dict[str, Promise], *, blank: bool = False) -> list[tuple[str, Promise]]:
    """Choices for a form field; `blank` starts with an empty one, so nobody picks by default."""
    first = [("", _("Choose…"))] if blank else []
    return first + [(str(value), label) for value, label in labels.items()]
