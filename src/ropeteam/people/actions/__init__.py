"""The only writers of people, teams, roles, rope holders, the rota and tokens.

Each action checks what it needs, writes in one transaction and appends an audit entry.
Callers use the package: `actions.add_member(...)`.
"""

from ropeteam.people.actions.access_tokens import authenticate_token, create_token, revoke_token
from ropeteam.people.actions.availability import (
    MAX_ROPE_HOLDERS,
    add_duty_shift,
    remove_duty_shift,
    set_availability,
    set_phone,
    set_rope_holders,
    set_verified_email,
)
from ropeteam.people.actions.devices import (
    sign_out_everything,
    sign_out_everywhere,
    sign_out_other_sessions,
    sign_out_session,
)
from ropeteam.people.actions.factors import (
    add_passkey,
    check_code,
    confirm_totp,
    passkey_used,
    regenerate_recovery_codes,
    remove_passkey,
    remove_totp,
    reset_factors,
    set_second_factor_policy,
    start_totp,
)
from ropeteam.people.actions.invitations import (
    accept_invitation,
    find_invitation,
    invite_member,
    revoke_invitation,
)
from ropeteam.people.actions.membership import add_member, change_member, remove_member
from ropeteam.people.actions.organisations import (
    MAX_OUT_OF_HOURS_CONTACT,
    create_account,
    create_organisation,
    create_team,
    grant_org_admin,
    password_reset_link,
    set_account_active,
    set_out_of_hours,
)

__all__ = [
    "MAX_OUT_OF_HOURS_CONTACT",
    "MAX_ROPE_HOLDERS",
    "accept_invitation",
    "add_duty_shift",
    "add_member",
    "add_passkey",
    "authenticate_token",
    "change_member",
    "check_code",
    "confirm_totp",
    "create_account",
    "create_organisation",
    "create_team",
    "create_token",
    "find_invitation",
    "grant_org_admin",
    "invite_member",
    "passkey_used",
    "password_reset_link",
    "regenerate_recovery_codes",
    "remove_duty_shift",
    "remove_member",
    "remove_passkey",
    "remove_totp",
    "reset_factors",
    "revoke_invitation",
    "revoke_token",
    "set_account_active",
    "set_availability",
    "set_out_of_hours",
    "set_phone",
    "set_rope_holders",
    "set_second_factor_policy",
    "set_verified_email",
    "sign_out_everything",
    "sign_out_everywhere",
    "sign_out_other_sessions",
    "sign_out_session",
    "start_totp",
]
