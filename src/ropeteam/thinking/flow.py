"""Thinking Together as plain Python: the four steps, who may do what, and when.

A request widens through circles of colleagues until someone accepts (the named colleague,
then the help-seeker's rope holders, then anyone available in the team, then the duty lead
is alerted). The first acceptance makes a session; the participants go through the four
steps (forward one at a time, back to any earlier step), and the help-seeker records the
outcome at step 4. Every function returns a new `Session` or raises `Refused`; nothing here
touches the database, so each rule can be tested on its own and as a whole.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import IntEnum, StrEnum


class State(StrEnum):
    REQUESTED = "requested"  # waiting for someone to accept
    ACTIVE = "active"  # the two (or more) are thinking together
    CLOSED = "closed"  # step 4 recorded
    CANCELLED = "cancelled"  # the help-seeker withdrew it


class Task(StrEnum):
    """What the help-seeker wants from it (step 1, Mark the task)."""

    DECISION = "decision"
    PLAN = "plan"
    UNDERSTANDING = "understanding"
    STEADIER = "steadier"
    PROCEDURE = "procedure"
    OTHER = "other"


class Urgency(StrEnum):
    NOW = "now"
    WITHIN_HOUR = "within_hour"
    TODAY = "today"


class Mode(StrEnum):
    CHAT = "chat"
    PHONE = "phone"
    VIDEO = "video"
    FACE_TO_FACE = "face_to_face"


class Circle(IntEnum):
    """Who has been asked so far, widening in this order."""

    NAMED = 1  # one named colleague
    ROPE = 2  # the help-seeker's rope holders
    TEAM = 3  # anyone available in the team
    DUTY_LEAD = 4  # the duty lead is alerted: the widest circle


class Step(IntEnum):
    MARK = 1  # Mark the task
    STATE = 2  # State the case
    MENTALIZE = 3  # Mentalize the moment
    RETURN = 4  # Return to purpose


class Met(StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


class NextStep(StrEnum):
    CLOSE = "close"
    WIDEN = "widen"  # widen the quorum now: invite more colleagues or the lead
    SUPERVISION = "supervision"  # take it to formal supervision
    EMERGENCY = "emergency"  # emergency procedures: alert the duty lead at once
    TEAM_MEETING = "team_meeting"  # carry it to the next team meeting


class AgendaKind(StrEnum):
    """Where an item raised at step 4 is taken: the lead lists it until it is taken."""

    SUPERVISION = "supervision"
    TEAM_MEETING = "team_meeting"


# Next steps that leave an item for the team lead's supervision or team meeting agenda.
AGENDA_OF = {
    NextStep.SUPERVISION: AgendaKind.SUPERVISION,
    NextStep.TEAM_MEETING: AgendaKind.TEAM_MEETING,
}

STEADINESS = range(11)  # "how steady do I feel", 0 to 10

# Minutes each circle is given before the request widens, by urgency (a team may set its
# own). "Now" means now: a worker may be standing outside a door.
DEFAULT_WAIT = {
    Urgency.NOW: timedelta(minutes=3),
    Urgency.WITHIN_HOUR: timedelta(minutes=15),
    Urgency.TODAY: timedelta(hours=2),
}


class Refused(Exception):
    """An action the rules do not allow now; `code` names the rule (actions translate it)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Outcome:
    met: Met
    next_step: NextStep
    steadiness_after: int | None = None


@dataclass(frozen=True)
class Session:
    seeker: int
    state: State = State.REQUESTED
    circle: Circle = Circle.TEAM
    asked: frozenset[int] = frozenset()
    declined: frozenset[int] = frozenset()
    helper: int | None = None
    others: frozenset[int] = frozenset()  # colleagues invited into a group session
    facilitator: int | None = None
    step: Step | None = None
    steps: tuple[Step, ...] = field(default=())  # every step the session has been at
    outcome: Outcome | None = None

    @property
    def participants(self) -> frozenset[int]:
        if self.helper is None:
            return frozenset({self.seeker})
        return frozenset({self.seeker, self.helper}) | self.others

    @property
    def is_open(self) -> bool:
        return self.state in (State.REQUESTED, State.ACTIVE)


def ask(*, seeker: int, circle: Circle, asked: frozenset[int]) -> Session:
    """A new request to the first circle; the help-seeker never asks themself."""
    asked = asked - {seeker}
    if not asked and circle != Circle.DUTY_LEAD:
        raise Refused("nobody_to_ask")
    return Session(seeker=seeker, circle=circle, asked=asked)


def widen(session: Session, *, circle: Circle, asked: frozenset[int]) -> Session:
    """Ask the next circle (a deadline passed, or the help-seeker chose to)."""
    if session.state != State.REQUESTED:
        raise Refused("not_waiting")
    if circle <= session.circle:
        raise Refused("already_asked")
    return replace(session, circle=circle, asked=session.asked | (asked - {session.seeker}))


def accept(session: Session, *, helper: int) -> Session:
    """The first colleague who was asked and accepts becomes the helper."""
    if session.state != State.REQUESTED:
        raise Refused("taken" if session.state == State.ACTIVE else "not_waiting")
    if helper == session.seeker or helper not in session.asked:
        raise Refused("not_asked")
    return replace(
        session,
        state=State.ACTIVE,
        helper=helper,
        declined=session.declined - {helper},
        step=Step.MARK,
        steps=(Step.MARK,),
    )


def decline(session: Session, *, helper: int) -> Session:
    """A colleague who was asked says they cannot (with a reason kept by the caller)."""
    if session.state != State.REQUESTED:
        raise Refused("not_waiting")
    if helper not in session.asked:
        raise Refused("not_asked")
    return replace(session, declined=session.declined | {helper})


def everyone_declined(session: Session) -> bool:
    """Everyone asked so far said no: widen now rather than wait for the deadline."""
    return (
        session.state == State.REQUESTED
        and bool(session.asked)
        and session.asked <= session.declined
    )


def cancel(session: Session, *, by: int) -> Session:
    if by != session.seeker:
        raise Refused("not_seeker")
    if not session.is_open:
        raise Refused("finished")
    return replace(session, state=State.CANCELLED)


def move(session: Session, *, by: int, to: Step) -> Session:
    """Either participant moves on one step, or back to any earlier one."""
    if session.state != State.ACTIVE or session.step is None:
        raise Refused("not_active")
    if by not in session.participants:
        raise Refused("not_participant")
    if to == session.step or to > session.step + 1:
        raise Refused("step_order")
    return replace(session, step=to, steps=(*session.steps, to))


def invite(session: Session, *, by: int, colleague: int) -> Session:
    """Widen the quorum of an open session: one more colleague joins it."""
    if session.state != State.ACTIVE:
        raise Refused("not_active")
    if by not in session.participants:
        raise Refused("not_participant")
    if colleague in session.participants:
        raise Refused("already_in")
    return replace(session, others=session.others | {colleague})


def facilitate(session: Session, *, by: int, facilitator: int) -> Session:
    """Name who keeps a group session to the four steps."""
    if session.state != State.ACTIVE:
        raise Refused("not_active")
    if by not in session.participants or facilitator not in session.participants:
        raise Refused("not_participant")
    return replace(session, facilitator=facilitator)


def record(session: Session, *, by: int, outcome: Outcome) -> Session:
    """The help-seeker returns to purpose: step 4's outcome closes the session."""
    if session.state != State.ACTIVE:
        raise Refused("not_active")
    if by != session.seeker:
        raise Refused("not_seeker")
    if session.step != Step.RETURN:
        raise Refused("not_at_return")
    _check(outcome)
    return replace(session, state=State.CLOSED, outcome=outcome)


def follow_up(closed: Session, *, invited: frozenset[int]) -> Session:
    """Widen the quorum now: the thinking carries on at once in a follow-up, from step 1, with
    the same help-seeker and helper (and anyone already in) and the colleagues chosen."""
    outcome = closed.outcome
    if closed.state != State.CLOSED or outcome is None or outcome.next_step != NextStep.WIDEN:
        raise Refused("not_widening")
    if not invited:
        raise Refused("nobody_to_invite")
    if invited & closed.participants:
        raise Refused("already_in")
    return Session(
        seeker=closed.seeker,
        state=State.ACTIVE,
        circle=Circle.NAMED,
        asked=frozenset({closed.helper}) if closed.helper is not None else frozenset(),
        helper=closed.helper,
        others=closed.others | invited,
        facilitator=closed.facilitator,
        step=Step.MARK,
        steps=(Step.MARK,),
    )


def quick_record(*, seeker: int, helper: int, outcome: Outcome) -> Session:
    """A Thinking Together that happened without the app, recorded afterwards."""
    if helper == seeker:
        raise Refused("not_asked")
    _check(outcome)
    return Session(
        seeker=seeker,
        state=State.CLOSED,
        asked=frozenset({helper}),
        helper=helper,
        step=Step.RETURN,
        steps=tuple(Step),
        outcome=outcome,
    )


def _check(outcome: Outcome) -> None:
    if outcome.steadiness_after is not None and outcome.steadiness_after not in STEADINESS:
        raise Refused("steadiness_range")


def next_circle(circle: Circle) -> Circle | None:
    """The circle after this one, or None when the duty lead has been alerted."""
    return Circle(circle + 1) if circle < Circle.DUTY_LEAD else None


def is_consistent(session: Session) -> bool:
    """The invariants every session holds, whatever happened to it."""
    has_helper = session.helper is not None
    in_steps = session.step is not None
    checks = [
        session.seeker not in session.asked,
        session.helper != session.seeker,
        session.seeker not in session.others and session.helper not in session.others,
        session.facilitator is None or session.facilitator in session.participants,
        (session.outcome is not None) == (session.state == State.CLOSED),
        session.state != State.REQUESTED or (not has_helper and not in_steps),
        session.state not in (State.ACTIVE, State.CLOSED) or (has_helper and in_steps),
        session.helper is None or session.helper in session.asked,
        not session.steps or session.steps[0] == Step.MARK,
        not session.steps or session.steps[-1] == session.step,
        all(b <= a + 1 and b != a for a, b in zip(session.steps, session.steps[1:], strict=False)),
        session.state != State.CLOSED or session.step == Step.RETURN,
    ]
    return all(checks)
