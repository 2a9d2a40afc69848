"""Second factors: an authenticator app with recovery codes, and passkeys.

Every change (added, removed, a recovery code used, codes made anew, an admin's reset) is
audited and ends the person's other sessions and sockets (`sessions.end_other_sessions`):
whoever set up a factor on a stolen session must not keep that session's company.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.core.errors import Conflict, InvalidInput, NotFound
from ropeteam.people import sessions, totp
from ropeteam.people.access import is_org_admin
from ropeteam.people.models import Organisation, Passkey, RecoveryCode, TotpDevice, User
from ropeteam.people.passkeys import NewPasskey

MAX_PASSKEYS = 10
MAX_GRACE_DAYS = 365


def _changed(*, actor: User | None, user: User, action: str, data: dict[str, object]) -> None:
    record(actor=actor, action=action, target=user, data=data)
    sessions.end_other_sessions(user=user)


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = totp.new_recovery_codes()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=totp.hash_recovery_code(user.pk, c)) for c in codes
    )
    return codes


def _setup_done(user: User) -> None:
    if user.factor_setup_required:
        user.factor_setup_required = False
        user.save(update_fields=["factor_setup_required"])


def start_totp(*, actor: User) -> TotpDevice:
    """A new, unconfirmed authenticator-app key for the person (replacing one not confirmed)."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=actor).first()
        if device is not None and device.confirmed_at is not None:
            raise Conflict(_("Your authenticator app is already set up."))
        if device is None:
            device = TotpDevice(user=actor)
        device.key, device.created_at, device.last_step = totp.new_key(), timezone.now(), -1
        device.save()
    return device


def confirm_totp(*, actor: User, code: str) -> list[str]:
    """Confirm the authenticator app with a code from it; gives the new recovery codes."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=actor).first()
        if device is None or device.confirmed_at is not None:
            raise Conflict(_("Start setting up the authenticator app again."))
        step = totp.accepted_step(device.key, code, after_step=device.last_step)
        if step is None:
            raise InvalidInput(
                _("That code is not right. Enter the code the app shows now."), field="code"
            )
        device.confirmed_at, device.last_step = timezone.now(), step
        device.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(actor)
        _setup_done(actor)
        _changed(actor=actor, user=actor, action="account.factor_added", data={"kind": "totp"})
    return codes


def remove_totp(*, actor: User) -> None:
    """Stop using the authenticator app (recovery codes go too if no passkey is left)."""
    with transaction.atomic():
        deleted, _by_model = TotpDevice.objects.filter(
            user=actor, confirmed_at__isnull=False
        ).delete()
        if not deleted:
            raise NotFound(_("You have no authenticator app set up."))
        if not actor.passkeys.exists():
            RecoveryCode.objects.filter(user=actor).delete()
        _changed(actor=actor, user=actor, action="account.factor_removed", data={"kind": "totp"})


def regenerate_recovery_codes(*, actor: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    with transaction.atomic():
        if not _has_factor(actor):
            raise Conflict(_("Set up an authenticator app or a passkey first."))
        codes = _new_recovery_codes(actor)
        _changed(actor=actor, user=actor, action="account.recovery_codes_regenerated", data={})
    return codes


def _has_factor(user: User) -> bool:
    confirmed = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
    return confirmed or user.passkeys.exists()


def check_code(*, user: User, code: str) -> str | None:
    """At sign-in: "totp" or "recovery" if the code is right (a recovery code is then used
    up and the person's other sessions end), None if not."""
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is not None and not totp.looks_like_recovery_code(code):
            step = totp.accepted_step(device.key, code, after_step=device.last_step)
            if step is not None:
                device.last_step = step
                device.save(update_fields=["last_step"])
                return "totp"
            return None
        used = RecoveryCode.objects.filter(
            user=user, code_hash=totp.hash_recovery_code(user.pk, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            return None
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        _changed(actor=user, user=user, action="account.recovery_code_used", data={"left": left})
    return "recovery"


def add_passkey(*, actor: User, name: str, new: NewPasskey) -> Passkey:
    """Keep a passkey the browser has just made (checked by `passkeys.registered`)."""
    name = name.strip() or _("Passkey")
    if len(name) > 80:
        raise InvalidInput(_("Keep the name under 80 characters."), field="name")
    with transaction.atomic():
        if actor.passkeys.count() >= MAX_PASSKEYS:
            raise Conflict(_("You have 10 passkeys already: remove one first."))
        if Passkey.objects.filter(credential_id=new.credential_id).exists():
            raise Conflict(_("This passkey is already added."))
        passkey = Passkey.objects.create(
            user=actor,
            name=name,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            created_at=timezone.now(),
        )
        _setup_done(actor)
        _changed(
            actor=actor,
            user=actor,
            action="account.factor_added",
            data={"kind": "passkey", "passkey": passkey.pk},
        )
    return passkey


def remove_passkey(*, actor: User, passkey_id: int) -> None:
    """Stop accepting one of the person's passkeys."""
    with transaction.atomic():
        deleted, _by_model = Passkey.objects.filter(user=actor, pk=passkey_id).delete()
        if not deleted:
            raise NotFound(_("No such passkey."))
        if not _has_factor(actor):
            RecoveryCode.objects.filter(user=actor).delete()
        _changed(
            actor=actor,
            user=actor,
            action="account.factor_removed",
            data={"kind": "passkey", "passkey": passkey_id},
        )


def passkey_used(*, passkey: Passkey, sign_count: int) -> None:
    """A passkey signed its person in: remember its count, so a cloned key shows."""
    Passkey.objects.filter(pk=passkey.pk).update(sign_count=sign_count, last_used_at=timezone.now())


def reset_factors(*, actor: User, organisation: Organisation, user: User) -> None:
    """An organisation admin's one-time reset for a member who lost their factors: all are
    removed, every session ends, and the person must set one up at their next sign-in."""
    if user.pk == actor.pk:
        raise InvalidInput(_("Another organisation admin must reset your own second factor."))
    in_organisation = user.memberships.filter(
        team__organisation=organisation, removed_at__isnull=True
    ).exists()
    if not in_organisation or not is_org_admin(actor, organisation.pk):
        raise NotFound(_("No such account in this organisation."))
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        removed, _by_model = Passkey.objects.filter(user=user).delete()
        user.factor_setup_required = True
        user.save(update_fields=["factor_setup_required"])
        _changed(
            actor=actor,
            user=user,
            action="account.factors_reset",
            data={"organisation": organisation.pk, "passkeys_removed": removed},
        )


def set_second_factor_policy(
    *, actor: User, organisation: Organisation, required: bool, grace_days: int
) -> Organisation:
    """Make a second factor compulsory (or not) for the organisation's case-seeing roles."""
    if not is_org_admin(actor, organisation.pk):
        raise NotFound(_("No such organisation."))
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise InvalidInput(
            _("Give between 0 and 365 days to set up a second factor."), field="grace_days"
        )
    with transaction.atomic():
        row = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if required and row.second_factor_required_since is None:
            row.second_factor_required_since = timezone.now()
        elif not required:
            row.second_factor_required_since = None
        row.second_factor_grace_days = grace_days
        row.save(update_fields=["second_factor_required_since", "second_factor_grace_days"])
        record(
            actor=actor,
            action="organisation.second_factor_policy_changed",
            target=row,
            data={"required": required, "grace_days": grace_days},
        )
    return row
