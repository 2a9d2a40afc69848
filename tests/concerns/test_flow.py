"""Graded assertiveness rules, one by one and as a whole.

alex (1, newly qualified) raises a concern with morgan (2, senior); priya (3) leads the
team; the director (4) is the next person up from priya; jo (5) is a third colleague.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ropeteam.concerns import flow
from ropeteam.concerns.flow import Level, Refused, Resolution, Response, State
from ropeteam.concerns.queries import _suppressed

ALEX, MORGAN, PRIYA, DIRECTOR, JO = 1, 2, 3, 4, 5


def probe() -> flow.Concern:
    return flow.raise_concern(raiser=ALEX, colleague=MORGAN, escalate_to=PRIYA, level=Level.PROBE)


def refused(code: str) -> pytest.RaisesExc[Refused]:
    return pytest.raises(Refused, match=f"^{code}$")


def test_a_probe_is_seen_by_the_two_of_them_only() -> None:
    concern = probe()
    assert (concern.state, concern.escalated) == (State.RAISED, False)
    assert concern.can_see == {ALEX, MORGAN}


def test_a_concern_with_the_lead_goes_to_the_next_person_up() -> None:
    concern = flow.raise_concern(
        raiser=ALEX, colleague=PRIYA, escalate_to=DIRECTOR, level=Level.ESCALATE
    )
    assert concern.escalated and concern.can_see == {ALEX, PRIYA, DIRECTOR}
    with refused("escalation_target"):
        flow.raise_concern(raiser=ALEX, colleague=PRIYA, escalate_to=PRIYA, level=Level.PROBE)
    with refused("own_concern"):
        flow.raise_concern(raiser=ALEX, colleague=ALEX, escalate_to=PRIYA, level=Level.PROBE)


def test_unanswered_it_is_resent_once_then_escalated() -> None:
    concern, happened = flow.unanswered(probe())
    assert happened == "resent" and not concern.escalated
    concern, happened = flow.unanswered(concern)
    assert happened == "escalated" and concern.can_see == {ALEX, MORGAN, PRIYA}
    assert flow.unanswered(concern)[1] == ""


def test_a_response_stops_the_clock_and_only_the_colleague_responds() -> None:
    with refused("not_colleague"):
        flow.respond(probe(), by=JO, response=Response.ACKNOWLEDGE)
    concern = flow.respond(probe(), by=MORGAN, response=Response.THINK_TOGETHER)
    assert concern.state == State.RESPONDED
    assert flow.unanswered(concern) == (concern, "")


def test_stepping_up_keeps_the_exchange_and_two_challenges_reach_the_lead() -> None:
    concern = flow.respond(probe(), by=MORGAN, response=Response.SEE_DIFFERENTLY)
    concern = flow.step_up(concern, by=ALEX)
    assert (concern.level, concern.state, concern.responses) == (
        Level.ALERT,
        State.RAISED,
        (Response.SEE_DIFFERENTLY,),
    )
    concern = flow.step_up(concern, by=ALEX)
    assert (concern.level, concern.challenges, concern.escalated) == (Level.CHALLENGE, 1, False)
    concern = flow.challenge_again(concern, by=ALEX)
    assert (concern.challenges, concern.escalated) == (2, True)
    with refused("not_raiser"):
        flow.step_up(concern, by=MORGAN)


def test_only_the_raiser_resolves_and_a_resolved_concern_is_closed() -> None:
    with refused("not_raiser"):
        flow.resolve(probe(), by=MORGAN, resolution=Resolution.RESOLVED)
    concern = flow.resolve(probe(), by=ALEX, resolution=Resolution.ESCALATED)
    assert concern.escalated and concern.state == State.RESOLVED
    for action in (
        lambda c: flow.respond(c, by=MORGAN, response=Response.ACKNOWLEDGE),
        lambda c: flow.step_up(c, by=ALEX),
        lambda c: flow.resolve(c, by=ALEX, resolution=Resolution.RESOLVED),
    ):
        with refused("resolved"):
            action(concern)


PEOPLE = st.sampled_from([ALEX, MORGAN, PRIYA, JO])
ACTIONS = st.one_of(
    st.tuples(st.just("respond"), PEOPLE, st.sampled_from(list(Response))),
    st.tuples(st.just("step_up"), PEOPLE),
    st.tuples(st.just("challenge_again"), PEOPLE),
    st.tuples(st.just("unanswered")),
    st.tuples(st.just("resolve"), PEOPLE, st.sampled_from(list(Resolution))),
)


@settings(max_examples=400)
@given(level=st.sampled_from(list(Level)), actions=st.lists(ACTIONS, max_size=30))
def test_no_sequence_of_actions_leaves_a_concern_in_an_impossible_state(
    level: Level, actions: list[tuple[object, ...]]
) -> None:
    concern = flow.raise_concern(raiser=ALEX, colleague=MORGAN, escalate_to=PRIYA, level=level)
    assert flow.is_consistent(concern)
    for action in actions:
        name, *args = action
        before = concern
        try:
            if name == "respond":
                concern = flow.respond(concern, by=args[0], response=args[1])  # type: ignore[arg-type]
            elif name == "step_up":
                concern = flow.step_up(concern, by=args[0])  # type: ignore[arg-type]
            elif name == "challenge_again":
                concern = flow.challenge_again(concern, by=args[0])  # type: ignore[arg-type]
            elif name == "unanswered":
                concern, _happened = flow.unanswered(concern)
            else:
                concern = flow.resolve(concern, by=args[0], resolution=args[1])  # type: ignore[arg-type]
        except Refused:
            assert concern == before
            continue
        assert flow.is_consistent(concern), (action, concern)
        # Once escalated, always visible to the lead; a third colleague never sees it.
        assert not before.escalated or concern.escalated
        assert JO not in concern.can_see
        assert before.state != State.RESOLVED or concern == before


# --- the lead's figures: what small-cell suppression must never give away ------------------


@given(
    counts=st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=4),
    threshold=st.integers(min_value=2, max_value=6),
)
def test_no_hidden_count_can_be_worked_out_from_the_total(
    counts: list[int], threshold: int
) -> None:
    assume(sum(counts) >= threshold)  # with fewer, `activity` shows no breakdown at all
    keys = [f"k{i}" for i in range(len(counts))]
    figures = _suppressed(dict(zip(keys, counts, strict=True)), keys, threshold)
    hidden = [c for c, f in zip(counts, figures, strict=True) if f.count is None]
    shown = [f.count for f in figures if f.count is not None]
    # Every count under the threshold is hidden, but not zero: it points at nobody.
    assert all(s == 0 or s >= threshold for s in shown)
    assert 0 not in hidden
    if hidden:
        # Two or more are hidden and together they reach the threshold, so the total less
        # what is shown does not pin any one of them down.
        assert len(hidden) >= 2
        assert sum(hidden) >= threshold
