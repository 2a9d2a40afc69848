"""Second factors as services: the authenticator app, recovery codes, the policy, the
admin's reset, and what each change writes and ends (people/actions/factors.py)."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from ropeteam.audit.models import AuditEntry
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.people import actions, queries, totp
from ropeteam.people.models import RecoveryCode, TotpDevice, User
from tests.conftest import World


def _enrol(user: User) -> tuple[str, list[str]]:
    """Set up the authenticator app as the person does; its key and the recovery codes."""
    device = actions.start_totp(actor=user)
    codes = actions.confirm_totp(actor=user, code=totp.code_now(device.key))
    return device.key, codes


def _actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_id=str(user.pk), action__startswith="account.")
        .order_by("position")
        .values_list("action", flat=True)
    )


def test_the_key_is_stored_encrypted_and_read_back_whole(world: World) -> None:
    device = actions.start_totp(actor=world.sam)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM people_totpdevice WHERE id = %s", [device.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("v1:") and device.key not in raw
    assert TotpDevice.objects.get(pk=device.pk).key == device.key


def test_a_code_from_the_app_confirms_it_and_gives_ten_recovery_codes(world: World) -> None:
    _key, codes = _enrol(world.sam)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert queries.has_factor(world.sam)
    assert RecoveryCode.objects.filter(user=world.sam).count() == 10
    # Only hashes are kept: no stored value contains a code.
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not any(totp.normalise_recovery_code(c) in h.upper() for c in codes for h in stored)


def test_a_wrong_code_does_not_confirm_the_app(world: World) -> None:
    actions.start_totp(actor=world.sam)
    with pytest.raises(InvalidInput) as refused:
        actions.confirm_totp(actor=world.sam, code="000000x")
    assert refused.value.message == "That code is not right. Enter the code the app shows now."
    assert not queries.has_factor(world.sam)


def test_a_code_is_accepted_at_sign_in_once_and_never_again(world: World) -> None:
    key, _codes = _enrol(world.sam)
    # The confirming code's step is used; the next step's code works once.
    later = time.time() + 30
    with mock.patch("ropeteam.people.totp.time.time", return_value=later):
        code = totp.code_now(key, at=later)
        assert actions.check_code(user=world.sam, code=code) == "totp"
        assert actions.check_code(user=world.sam, code=code) is None


def test_a_code_from_long_ago_is_refused(world: World) -> None:
    key, _codes = _enrol(world.sam)
    assert actions.check_code(user=world.sam, code=totp.code_now(key, at=time.time() - 600)) is None


def test_a_recovery_code_works_once_and_its_use_is_audited(world: World) -> None:
    _key, codes = _enrol(world.sam)
    assert actions.check_code(user=world.sam, code=codes[3].lower()) == "recovery"
    assert actions.check_code(user=world.sam, code=codes[3]) is None
    entry = AuditEntry.objects.filter(action="account.recovery_code_used").get()
    assert entry.target_id == str(world.sam.pk) and entry.data == {"left": 9}


def test_another_persons_recovery_code_is_refused(world: World) -> None:
    _key, sams = _enrol(world.sam)
    _enrol(world.jo)
    assert actions.check_code(user=world.jo, code=sams[0]) is None


def test_new_recovery_codes_replace_the_old_ones(world: World) -> None:
    _key, old = _enrol(world.sam)
    new = actions.regenerate_recovery_codes(actor=world.sam)
    assert actions.check_code(user=world.sam, code=old[0]) is None
    assert actions.check_code(user=world.sam, code=new[0]) == "recovery"


def test_recovery_codes_need_a_factor_first(world: World) -> None:
    with pytest.raises(Conflict):
        actions.regenerate_recovery_codes(actor=world.sam)


def test_every_factor_change_is_audited_and_ends_the_other_sessions(world: World) -> None:
    epochs = [world.sam.session_epoch]
    _key, _codes = _enrol(world.sam)
    epochs.append(User.objects.get(pk=world.sam.pk).session_epoch)
    actions.regenerate_recovery_codes(actor=world.sam)
    epochs.append(User.objects.get(pk=world.sam.pk).session_epoch)
    actions.remove_totp(actor=world.sam)
    epochs.append(User.objects.get(pk=world.sam.pk).session_epoch)
    assert epochs == sorted(set(epochs))  # each change raised it
    assert _actions(world.sam)[-3:] == [
        "account.factor_added",
        "account.recovery_codes_regenerated",
        "account.factor_removed",
    ]
    # The last factor gone, its recovery codes go too.
    assert not RecoveryCode.objects.filter(user=world.sam).exists()


def test_removing_an_app_that_is_not_there_is_refused(world: World) -> None:
    with pytest.raises(NotFound):
        actions.remove_totp(actor=world.sam)


def test_the_policy_covers_case_roles_after_the_grace_period(world: World) -> None:
    actions.set_second_factor_policy(
        actor=world.admin, organisation=world.organisation, required=True, grace_days=7
    )
    assert not queries.must_set_up_factor(world.sam)  # in the grace period
    later = timezone.now() + timedelta(days=7, minutes=1)
    assert queries.must_set_up_factor(world.sam, later)
    assert queries.must_set_up_factor(world.dee, later)  # a team administrator sees cases
    assert not queries.must_set_up_factor(world.admin, later)  # never sees case content
    _enrol(world.sam)
    assert not queries.must_set_up_factor(world.sam, later)


def test_the_policy_off_asks_nothing(world: World) -> None:
    actions.set_second_factor_policy(
        actor=world.admin, organisation=world.organisation, required=True, grace_days=0
    )
    actions.set_second_factor_policy(
        actor=world.admin, organisation=world.organisation, required=False, grace_days=0
    )
    assert not queries.must_set_up_factor(world.sam, timezone.now() + timedelta(days=400))
    assert list(
        AuditEntry.objects.filter(action="organisation.second_factor_policy_changed").values_list(
            "data", flat=True
        )
    ) == [{"required": True, "grace_days": 0}, {"required": False, "grace_days": 0}]


def test_only_an_org_admin_sets_the_policy(world: World) -> None:
    with pytest.raises(NotFound):
        actions.set_second_factor_policy(
            actor=world.priya, organisation=world.organisation, required=True, grace_days=7
        )
    with pytest.raises(InvalidInput):
        actions.set_second_factor_policy(
            actor=world.admin, organisation=world.organisation, required=True, grace_days=999
        )


def test_an_admins_reset_removes_every_factor_and_asks_for_one_at_once(world: World) -> None:
    _enrol(world.sam)
    epoch = User.objects.get(pk=world.sam.pk).session_epoch
    actions.reset_factors(actor=world.admin, organisation=world.organisation, user=world.sam)
    sam = User.objects.get(pk=world.sam.pk)
    assert not queries.has_factor(sam)
    assert not RecoveryCode.objects.filter(user=sam).exists()
    assert sam.session_epoch == epoch + 1
    assert queries.must_set_up_factor(sam)  # no grace: at the next sign-in
    entry = AuditEntry.objects.filter(action="account.factors_reset").get()
    assert (entry.actor_id, entry.target_id) == (world.admin.pk, str(sam.pk))
    _enrol(sam)
    assert not User.objects.get(pk=sam.pk).factor_setup_required


def test_only_an_org_admin_of_the_persons_organisation_resets(world: World) -> None:
    for actor in (world.priya, world.jo):
        with pytest.raises(NotFound):
            actions.reset_factors(actor=actor, organisation=world.organisation, user=world.sam)
    with pytest.raises(InvalidInput):
        actions.reset_factors(actor=world.admin, organisation=world.organisation, user=world.admin)
