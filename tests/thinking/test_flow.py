"""The Thinking Together rules, one transition at a time and as a whole.

sam (1) asks; jo (2) and morgan (3) are asked; priya (4) is the duty lead; kim (9) was never
asked.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ropeteam.thinking import flow
from ropeteam.thinking.flow import Circle, Met, NextStep, Outcome, Refused, State, Step

SAM, JO, MORGAN, PRIYA, KIM = 1, 2, 3, 4, 9
DONE = Outcome(met=Met.YES, next_step=NextStep.CLOSE, steadiness_after=7)


def requested() -> flow.Session:
    return flow.ask(seeker=SAM, circle=Circle.ROPE, asked=frozenset({JO, MORGAN}))


def active() -> flow.Session:
    return flow.accept(requested(), helper=MORGAN)


def at_return() -> flow.Session:
    session = active()
    for step in (Step.STATE, Step.MENTALIZE, Step.RETURN):
        session = flow.move(session, by=SAM, to=step)
    return session


def refused(code: str) -> pytest.RaisesExc[Refused]:
    return pytest.raises(Refused, match=f"^{code}$")


def test_asking_nobody_is_refused_but_the_duty_lead_can_always_be_alerted() -> None:
    with refused("nobody_to_ask"):
        flow.ask(seeker=SAM, circle=Circle.NAMED, asked=frozenset({SAM}))
    alone = flow.ask(seeker=SAM, circle=Circle.DUTY_LEAD, asked=frozenset())
    assert alone.state == State.REQUESTED


def test_the_help_seeker_is_never_among_those_asked() -> None:
    session = flow.ask(seeker=SAM, circle=Circle.TEAM, asked=frozenset({SAM, JO}))
    assert session.asked == {JO}
    assert flow.widen(session, circle=Circle.DUTY_LEAD, asked=frozenset({SAM})).asked == {JO}


def test_widening_only_goes_outward_and_keeps_everyone_asked_before() -> None:
    session = flow.widen(requested(), circle=Circle.TEAM, asked=frozenset({PRIYA}))
    assert (session.circle, session.asked) == (Circle.TEAM, {JO, MORGAN, PRIYA})
    with refused("already_asked"):
        flow.widen(session, circle=Circle.ROPE, asked=frozenset())
    with refused("not_waiting"):
        flow.widen(active(), circle=Circle.TEAM, asked=frozenset())
    assert flow.next_circle(Circle.NAMED) == Circle.ROPE
    assert flow.next_circle(Circle.DUTY_LEAD) is None


def test_the_first_acceptance_wins_and_the_next_is_told_it_is_taken() -> None:
    session = active()
    assert (session.state, session.helper, session.step) == (State.ACTIVE, MORGAN, Step.MARK)
    with refused("taken"):
        flow.accept(session, helper=JO)


def test_only_someone_asked_can_accept_or_decline() -> None:
    for action in (flow.accept, flow.decline):
        with refused("not_asked"):
            action(requested(), helper=KIM)
    with refused("not_asked"):
        flow.accept(requested(), helper=SAM)


def test_when_everyone_asked_declines_the_request_should_widen_now() -> None:
    session = flow.decline(requested(), helper=JO)
    assert not flow.everyone_declined(session)
    session = flow.decline(session, helper=MORGAN)
    assert flow.everyone_declined(session)
    # Someone who declined may still change their mind while it waits.
    assert flow.accept(session, helper=JO).helper == JO


def test_only_the_help_seeker_cancels_and_only_while_open() -> None:
    with refused("not_seeker"):
        flow.cancel(requested(), by=JO)
    assert flow.cancel(requested(), by=SAM).state == State.CANCELLED
    assert flow.cancel(active(), by=SAM).state == State.CANCELLED
    closed = flow.record(at_return(), by=SAM, outcome=DONE)
    with refused("finished"):
        flow.cancel(closed, by=SAM)


def test_steps_move_on_one_at_a_time_and_back_to_any_earlier_with_history_kept() -> None:
    session = flow.move(active(), by=MORGAN, to=Step.STATE)
    with refused("step_order"):
        flow.move(session, by=SAM, to=Step.RETURN)
    with refused("step_order"):
        flow.move(session, by=SAM, to=Step.STATE)
    session = flow.move(session, by=SAM, to=Step.MENTALIZE)
    session = flow.move(session, by=MORGAN, to=Step.MARK)
    assert session.steps == (Step.MARK, Step.STATE, Step.MENTALIZE, Step.MARK)
    with refused("not_participant"):
        flow.move(session, by=KIM, to=Step.STATE)
    with refused("not_active"):
        flow.move(requested(), by=SAM, to=Step.STATE)


def test_a_group_session_takes_more_colleagues_and_a_facilitator_from_among_them() -> None:
    session = flow.invite(active(), by=SAM, colleague=JO)
    assert session.participants == {SAM, MORGAN, JO}
    assert flow.move(session, by=JO, to=Step.STATE).step == Step.STATE
    with refused("already_in"):
        flow.invite(session, by=MORGAN, colleague=JO)
    with refused("not_participant"):
        flow.invite(session, by=KIM, colleague=PRIYA)
    assert flow.facilitate(session, by=SAM, facilitator=JO).facilitator == JO
    with refused("not_participant"):
        flow.facilitate(session, by=SAM, facilitator=KIM)


def test_the_outcome_is_recorded_by_the_help_seeker_at_step_four() -> None:
    with refused("not_at_return"):
        flow.record(active(), by=SAM, outcome=DONE)
    with refused("not_seeker"):
        flow.record(at_return(), by=MORGAN, outcome=DONE)
    with refused("steadiness_range"):
        flow.record(at_return(), by=SAM, outcome=Outcome(Met.NO, NextStep.WIDEN, 11))
    closed = flow.record(at_return(), by=SAM, outcome=DONE)
    assert (closed.state, closed.outcome) == (State.CLOSED, DONE)
    with refused("not_active"):
        flow.move(closed, by=SAM, to=Step.MARK)


def test_a_quick_record_is_a_closed_session_through_all_four_steps() -> None:
    session = flow.quick_record(seeker=SAM, helper=JO, outcome=DONE)
    assert (session.state, session.steps, session.helper) == (State.CLOSED, tuple(Step), JO)
    assert flow.is_consistent(session)
    with refused("not_asked"):
        flow.quick_record(seeker=SAM, helper=SAM, outcome=DONE)


# --- as a whole: no sequence of actions leaves a session in an impossible state ------------

PEOPLE = st.sampled_from([SAM, JO, MORGAN, PRIYA, KIM])
ACTIONS = st.one_of(
    st.tuples(st.just("widen"), st.sampled_from(list(Circle)), st.frozensets(PEOPLE)),
    st.tuples(st.just("accept"), PEOPLE),
    st.tuples(st.just("decline"), PEOPLE),
    st.tuples(st.just("cancel"), PEOPLE),
    st.tuples(st.just("move"), PEOPLE, st.sampled_from(list(Step))),
    st.tuples(st.just("invite"), PEOPLE, PEOPLE),
    st.tuples(st.just("facilitate"), PEOPLE, PEOPLE),
    st.tuples(
        st.just("record"),
        PEOPLE,
        st.builds(
            Outcome,
            st.sampled_from(list(Met)),
            st.sampled_from(list(NextStep)),
            st.one_of(st.none(), st.integers(-2, 12)),
        ),
    ),
)


APPLY = {
    "widen": lambda s, circle, asked: flow.widen(s, circle=circle, asked=asked),
    "accept": lambda s, who: flow.accept(s, helper=who),
    "decline": lambda s, who: flow.decline(s, helper=who),
    "cancel": lambda s, who: flow.cancel(s, by=who),
    "move": lambda s, who, step: flow.move(s, by=who, to=step),
    "invite": lambda s, who, colleague: flow.invite(s, by=who, colleague=colleague),
    "facilitate": lambda s, who, other: flow.facilitate(s, by=who, facilitator=other),
    "record": lambda s, who, outcome: flow.record(s, by=who, outcome=outcome),
}


def _apply(session: flow.Session, action: tuple[object, ...]) -> flow.Session:
    name, *args = action
    result: flow.Session = APPLY[str(name)](session, *args)
    return result


@settings(max_examples=400)
@given(
    first=st.sampled_from(list(Circle)),
    asked=st.frozensets(PEOPLE, min_size=1),
    actions=st.lists(ACTIONS, max_size=30),
)
def test_no_sequence_of_actions_by_anyone_leaves_an_impossible_session(
    first: Circle, asked: frozenset[int], actions: list[tuple[object, ...]]
) -> None:
    try:
        session = flow.ask(seeker=SAM, circle=first, asked=asked)
    except Refused:
        return
    helper = None
    for action in actions:
        before = session
        try:
            session = _apply(session, action)
        except Refused:
            assert session == before  # a refusal changes nothing
            continue
        assert flow.is_consistent(session), (action, session)
        # Once someone accepted, the helper never changes; a finished session never reopens.
        if helper is not None:
            assert session.helper == helper
        helper = session.helper
        if not before.is_open:
            raise AssertionError(f"{action} changed a finished session")
