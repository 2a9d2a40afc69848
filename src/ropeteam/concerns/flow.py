"""Graded assertiveness as plain Python: a concern raised with a colleague, step by step.

Anyone may raise a concern with any colleague, at any level (Probe, Alert, Challenge,
Escalate). The colleague must respond; a concern not acknowledged in its level's time is
re-sent once, then escalated. The raiser may step up a level, keeping the exchange. A concern
still unresolved after two challenges goes to the lead (the two-challenge rule); at Escalate
it goes at once. When the colleague is the lead, it goes to the next person up, so
seniority never blocks it. Only the raiser records the resolution.
"""

from dataclasses import dataclass, replace
from enum import IntEnum, StrEnum


class Level(IntEnum):
    PROBE = 1  # "I noticed..., help me understand..."
    ALERT = 2  # "I am concerned about..."
    CHALLENGE = 3  # "I am uncomfortable; this is a safety issue"
    ESCALATE = 4  # stop the line: the lead is involved


class State(StrEnum):
    RAISED = "raised"  # waiting for the colleague's response
    RESPONDED = "responded"  # the colleague answered; the raiser decides what next
    RESOLVED = "resolved"


class Response(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # heard, with a reply
    THINK_TOGETHER = "think_together"  # accept a Thinking Together about it
    SEE_DIFFERENTLY = "see_differently"  # explain how they see it


class Resolution(StrEnum):
    RESOLVED = "resolved"
    CHANGED = "changed"  # resolved with a change
    ESCALATED = "escalated"  # not resolved, and escalated


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Concern:
    raiser: int
    colleague: int
    escalate_to: int  # the lead, or the next person up when the colleague is the lead
    level: Level
    state: State = State.RAISED
    challenges: int = 0  # times it stood at Challenge without being resolved
    resent: bool = False  # re-sent once at this level already
    escalated: bool = False
    responses: tuple[Response, ...] = ()
    resolution: Resolution | None = None

    @property
    def can_see(self) -> frozenset[int]:
        """Raiser and colleague only, until escalated; then also whoever it went to."""
        people = {self.raiser, self.colleague}
        if self.escalated:
            people.add(self.escalate_to)
        return frozenset(people)


def raise_concern(*, raiser: int, colleague: int, escalate_to: int, level: Level) -> Concern:
    if colleague == raiser:
        raise Refused("own_concern")
    if escalate_to in (raiser, colleague):
        # Seniority never blocks it: the caller picks the next person up.
        raise Refused("escalation_target")
    concern = Concern(raiser=raiser, colleague=colleague, escalate_to=escalate_to, level=level)
    return _arrive(concern)


def _arrive(concern: Concern) -> Concern:
    """What a level means when the concern reaches it."""
    if concern.level == Level.ESCALATE:
        return replace(concern, escalated=True)
    if concern.level == Level.CHALLENGE:
        challenges = concern.challenges + 1
        return replace(
            concern, challenges=challenges, escalated=concern.escalated or challenges >= 2
        )
    return concern


def respond(concern: Concern, *, by: int, response: Response) -> Concern:
    if concern.state == State.RESOLVED:
        raise Refused("resolved")
    if by != concern.colleague:
        raise Refused("not_colleague")
    return replace(concern, state=State.RESPONDED, responses=(*concern.responses, response))


def step_up(concern: Concern, *, by: int) -> Concern:
    """The raiser is not satisfied: the next level, keeping the exchange so far."""
    if concern.state == State.RESOLVED:
        raise Refused("resolved")
    if by != concern.raiser:
        raise Refused("not_raiser")
    if concern.level == Level.ESCALATE:
        raise Refused("top_level")
    stepped = replace(concern, level=Level(concern.level + 1), state=State.RAISED, resent=False)
    return _arrive(stepped)


def challenge_again(concern: Concern, *, by: int) -> Concern:
    """At Challenge, the raiser challenges once more (the second challenge goes to the lead)."""
    if concern.state == State.RESOLVED:
        raise Refused("resolved")
    if by != concern.raiser:
        raise Refused("not_raiser")
    if concern.level != Level.CHALLENGE:
        raise Refused("not_at_challenge")
    return _arrive(replace(concern, state=State.RAISED, resent=False))


def unanswered(concern: Concern) -> tuple[Concern, str]:
    """The level's time passed without a response: re-send once, then escalate.

    Returns the concern and what happened: "resent", "escalated" or "" (nothing to do).
    """
    if concern.state != State.RAISED:
        return concern, ""
    if not concern.resent:
        return replace(concern, resent=True), "resent"
    if concern.escalated:
        return concern, ""
    return replace(concern, escalated=True), "escalated"


def resolve(concern: Concern, *, by: int, resolution: Resolution) -> Concern:
    if concern.state == State.RESOLVED:
        raise Refused("resolved")
    if by != concern.raiser:
        raise Refused("not_raiser")
    return replace(
        concern,
        state=State.RESOLVED,
        resolution=resolution,
        escalated=concern.escalated or resolution == Resolution.ESCALATED,
    )


def is_consistent(concern: Concern) -> bool:
    return all(
        (
            concern.raiser != concern.colleague,
            concern.escalate_to not in (concern.raiser, concern.colleague),
            (concern.resolution is not None) == (concern.state == State.RESOLVED),
            # The two-challenge rule and Escalate always reach the lead.
            concern.challenges < 2 or concern.escalated,
            concern.level != Level.ESCALATE or concern.escalated,
            concern.resolution != Resolution.ESCALATED or concern.escalated,
            concern.state != State.RESPONDED or bool(concern.responses),
        )
    )


# The escalation engine's ladder of an unanswered concern (ropeteam.escalation), by name.
LADDER = "concerns.unanswered"
