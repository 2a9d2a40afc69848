from datetime import timedelta

import pytest
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ropeteam.people import actions, queries
from ropeteam.people.flow import Status
from ropeteam.people.models import Membership, RopeHolder
from tests.conftest import World


def test_rope_holders_are_tried_in_the_order_the_lead_set(world: World) -> None:
    actions.set_rope_holders(
        actor=world.priya,
        team=world.northside,
        worker=world.alex,
        holders=[world.morgan, world.sam, world.priya],
    )
    rope = queries.rope_for(world.northside, world.alex)
    assert [c.user for c in rope.holders] == [world.morgan, world.sam, world.priya]
    entry = AuditEntry.objects.filter(action="rope.holders_set").last()
    assert entry is not None
    assert entry.data["after"] == [world.morgan.pk, world.sam.pk, world.priya.pk]


def test_the_first_available_rope_holder_is_the_one_to_call(world: World) -> None:
    actions.set_availability(actor=world.jo, status="busy")
    actions.set_availability(actor=world.morgan, status="available")
    rope = queries.rope_for(world.northside, world.sam)
    assert rope.first_available is not None
    assert rope.first_available.user == world.morgan


def test_a_practitioner_cannot_set_rope_holders(world: World) -> None:
    with pytest.raises(Forbidden):
        actions.set_rope_holders(
            actor=world.alex, team=world.northside, worker=world.sam, holders=[world.alex]
        )
    assert [c.user for c in queries.rope_for(world.northside, world.sam).holders] == [
        world.jo,
        world.morgan,
    ]


@pytest.mark.parametrize(
    ("holders", "message"),
    [
        (["sam"], "Nobody can hold their own rope."),
        (["jo", "jo"], "Each colleague can hold the rope only once."),
        (["kim"], "Rope holders must be current members of the team."),
    ],
)
def test_bad_rope_holder_lists_are_refused_and_nothing_changes(
    world: World, holders: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.set_rope_holders(
            actor=world.priya,
            team=world.northside,
            worker=world.sam,
            holders=[getattr(world, h) for h in holders],
        )
    assert error.value.message == message
    assert RopeHolder.objects.filter(worker=world.sam).count() == 2


def test_removing_a_member_drops_the_ropes_they_held_and_closes_the_gap(world: World) -> None:
    actions.set_rope_holders(
        actor=world.priya,
        team=world.northside,
        worker=world.sam,
        holders=[world.jo, world.morgan, world.priya],
    )
    membership = Membership.objects.get(user=world.jo, team=world.northside)
    actions.remove_member(actor=world.priya, membership=membership)
    rows = list(RopeHolder.objects.filter(worker=world.sam).order_by("position"))
    assert [(r.holder, r.position) for r in rows] == [(world.morgan, 1), (world.priya, 2)]
    assert world.jo not in [c.user for c in queries.list_team(world.northside)]


def test_a_removed_member_can_be_invited_back(world: World) -> None:
    membership = Membership.objects.get(user=world.jo, team=world.northside)
    actions.remove_member(actor=world.priya, membership=membership)
    actions.add_member(
        actor=world.priya,
        team=world.northside,
        user=world.jo,
        role="practitioner",
        grade="practitioner",
    )
    assert Membership.objects.filter(user=world.jo, team=world.northside).count() == 2


def test_the_last_lead_cannot_be_removed_or_demoted(world: World) -> None:
    lead = Membership.objects.get(user=world.priya, team=world.northside)
    with pytest.raises(InvalidInput):
        actions.remove_member(actor=world.priya, membership=lead)
    with pytest.raises(InvalidInput):
        actions.change_member(actor=world.priya, membership=lead, role="practitioner")
    lead.refresh_from_db()
    assert lead.role == "lead"
    assert lead.removed_at is None


def test_the_duty_lead_is_whoever_holds_the_shift_now(world: World) -> None:
    now = timezone.now()
    actions.add_duty_shift(
        actor=world.dee,
        team=world.northside,
        lead=world.morgan,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    assert queries.duty_lead_at(world.northside, now) == world.morgan
    assert queries.duty_lead_at(world.northside, now + timedelta(hours=2)) is None
    assert queries.rope_for(world.northside, world.sam).duty_lead is not None


def test_overlapping_duty_shifts_are_refused(world: World) -> None:
    now = timezone.now()
    actions.add_duty_shift(
        actor=world.priya,
        team=world.northside,
        lead=world.morgan,
        starts_at=now,
        ends_at=now + timedelta(hours=8),
    )
    with pytest.raises(Conflict):
        actions.add_duty_shift(
            actor=world.priya,
            team=world.northside,
            lead=world.jo,
            starts_at=now + timedelta(hours=7),
            ends_at=now + timedelta(hours=9),
        )


def test_availability_until_a_past_time_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as error:
        actions.set_availability(
            actor=world.sam, status="busy", until=timezone.now() - timedelta(minutes=5)
        )
    assert error.value.field == "until"
    world.sam.refresh_from_db()
    assert world.sam.availability_status == Status.OFF_SHIFT


def test_available_after_busy_until_a_time_has_no_until(world: World) -> None:
    until = timezone.now() + timedelta(minutes=46)
    actions.set_availability(actor=world.sam, status="busy", until=until)
    # The old "until" comes back with the new status, as the form sends it.
    actions.set_availability(actor=world.sam, status="available", until=until)
    world.sam.refresh_from_db()
    assert world.sam.availability_status == Status.AVAILABLE
    assert world.sam.availability_until is None
    assert queries.availability_of(world.sam).until is None


def test_a_new_status_with_a_new_until_keeps_it(world: World) -> None:
    actions.set_availability(
        actor=world.sam, status="busy", until=timezone.now() + timedelta(minutes=46)
    )
    later = timezone.now() + timedelta(hours=3)
    actions.set_availability(actor=world.sam, status="on_visit", until=later)
    world.sam.refresh_from_db()
    assert (world.sam.availability_status, world.sam.availability_until) == (Status.ON_VISIT, later)


def test_busy_until_an_expired_time_reads_as_available(world: World) -> None:
    actions.set_availability(
        actor=world.sam, status="busy", until=timezone.now() + timedelta(minutes=5)
    )
    later = timezone.now() + timedelta(minutes=6)
    availability = queries.availability_of(world.sam, later)
    assert (availability.status, availability.until) == (Status.AVAILABLE, None)


def test_an_invitation_works_once_and_gives_the_role_it_was_made_with(world: World) -> None:
    _invitation, raw = actions.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="newly_qualified"
    )
    membership = actions.accept_invitation(
        raw=raw, username="robin", display_name="Robin", password="a long enough passphrase"
    )
    assert (membership.team, membership.role, membership.grade) == (
        world.northside,
        "practitioner",
        "newly_qualified",
    )
    with pytest.raises(NotFound):
        actions.accept_invitation(
            raw=raw, username="robin2", display_name="Robin", password="a long enough passphrase"
        )


def test_an_expired_invitation_does_not_work(world: World) -> None:
    invitation, raw = actions.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save()
    with pytest.raises(NotFound):
        actions.find_invitation(raw)


def test_a_weak_password_on_an_invitation_creates_no_account(world: World) -> None:
    _invitation, raw = actions.invite_member(
        actor=world.priya, team=world.northside, role="practitioner", grade="practitioner"
    )
    with pytest.raises(InvalidInput):
        actions.accept_invitation(raw=raw, username="robin", display_name="Robin", password="123")
    assert not Membership.objects.filter(user__username="robin").exists()
    actions.find_invitation(raw)  # still usable


def test_a_revoked_token_no_longer_authenticates(world: World) -> None:
    token, raw = actions.create_token(actor=world.sam, name="phone")
    assert actions.authenticate_token(raw) == world.sam
    actions.revoke_token(actor=world.sam, token=token)
    assert actions.authenticate_token(raw) is None


def test_nobody_can_revoke_someone_elses_token(world: World) -> None:
    token, raw = actions.create_token(actor=world.sam, name="phone")
    with pytest.raises(NotFound):
        actions.revoke_token(actor=world.priya, token=token)
    assert actions.authenticate_token(raw) == world.sam
