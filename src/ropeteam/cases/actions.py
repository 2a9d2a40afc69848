"""The only writers of cases and their risk levels."""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ropeteam.audit.log import record
from ropeteam.cases.flow import AgeBand, RiskLevel
from ropeteam.cases.models import Case, RiskChange
from ropeteam.cases.pseudonyms import INITIALS, REFERENCE, identifying_details
from ropeteam.core.errors import Conflict, InvalidInput, parse_choice
from ropeteam.people.access import active_members, require
from ropeteam.people.flow import Permission
from ropeteam.people.models import Team, User

MAX_REASON = 500


def _require(actor: User | None, team: Team, permission: Permission) -> None:
    # No actor: the command line or the demo loader, which act for the organisation.
    if actor is not None:
        require(actor, team, permission)


def _refuse_identifiers(text: str, *, field: str) -> None:
    found = identifying_details(text)
    if found:
        raise InvalidInput(
            _(
                "This looks like %(what)s. Cases are pseudonymised: leave out names, addresses, "
                "contact details and dates of birth."
            )
            % {"what": _(" and ").join(found)},
            field=field,
        )


def _clean_reference(reference: str) -> str:
    # Upper-case, so "ns-1" and "NS-1" cannot be two cases.
    reference = reference.strip().upper()
    _refuse_identifiers(reference, field="reference")
    if not REFERENCE.match(reference):
        raise InvalidInput(
            _("A team reference is 2–24 letters, digits, dashes or slashes, e.g. NS-014."),
            field="reference",
        )
    return reference


def _clean_initials(initials: str) -> str:
    initials = initials.strip().replace(".", "").replace(" ", "").upper()
    if not INITIALS.match(initials):
        raise InvalidInput(
            _("Initials only: one to three letters, e.g. “JT”. Never a name."), field="initials"
        )
    return initials


def _level(level: str, *, field: str) -> RiskLevel:
    return parse_choice(RiskLevel, level, field=field, label=_("risk level"))


def _age_band(band: str) -> AgeBand:
    return parse_choice(AgeBand, band, field="age_band", label=_("age band"))


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say briefly why the risk level changed."), field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            _("Keep the reason under %(n)d characters: only what the team needs.")
            % {"n": MAX_REASON},
            field="reason",
        )
    _refuse_identifiers(reason, field="reason")
    return reason


def _keyworkers(team: Team, keyworker_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(keyworker_ids))
    if set(ids) - active_members(team.pk, ids):
        raise InvalidInput(
            _("Keyworkers must be current members of the team."), field="keyworker_ids"
        )
    return ids


def open_case(
    *,
    actor: User | None,
    team: Team,
    reference: str,
    initials: str,
    age_band: str,
    risk_level: str,
    keyworker_ids: Iterable[int],
    reason: str = "",
) -> Case:
    """Start keeping a pseudonymised case, with its first risk level."""
    _require(actor, team, Permission.EDIT_CASES)
    reference = _clean_reference(reference)
    initials = _clean_initials(initials)
    band, level = _age_band(age_band), _level(risk_level, field="risk_level")
    keyworkers = _keyworkers(team, keyworker_ids)
    reason = _clean_reason(reason or _("Case opened."))
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                team=team,
                reference=reference,
                initials=initials,
                age_band=band,
                risk_level=level,
                created_at=now,
            )
            case.keyworkers.set(keyworkers)
            _first_risk_change(case, actor, level=level, reason=reason, at=now)
            record(
                actor=actor,
                action="case.opened",
                target=case,
                team_id=team.pk,
                data={"risk_level": level, "keyworkers": keyworkers},
            )
    except IntegrityError:
        raise Conflict(
            _("The team already has a case with reference %(ref)s.") % {"ref": reference},
            field="reference",
        ) from None
    return case


def _first_risk_change(
    case: Case, actor: User | None, *, level: RiskLevel, reason: str, at: datetime
) -> None:
    """The case's risk history starts at its first level, when a person opened it."""
    if actor is not None:
        RiskChange.objects.create(
            case=case,
            changed_by=actor,
            changed_at=at,
            from_level="",
            to_level=level,
            reason=reason,
        )


def update_case(
    *,
    actor: User,
    case: Case,
    initials: str | None = None,
    age_band: str | None = None,
    keyworker_ids: Iterable[int] | None = None,
) -> Case:
    """Correct a case's initials or age band, or change its keyworkers."""
    _require(actor, case.team, Permission.EDIT_CASES)
    changes: dict[str, object] = {}
    if initials is not None:
        changes["initials"] = _clean_initials(initials)
    if age_band is not None:
        changes["age_band"] = _age_band(age_band)
    keyworkers = _keyworkers(case.team, keyworker_ids) if keyworker_ids is not None else None
    with transaction.atomic():
        for field, value in changes.items():
            setattr(case, field, value)
        if changes:
            case.save(update_fields=list(changes))
        if keyworkers is not None:
            case.keyworkers.set(keyworkers)
            changes["keyworkers"] = keyworkers
        if not changes:
            return case
        record(
            actor=actor,
            action="case.updated",
            target=case,
            team_id=case.team_id,
            data={k: v for k, v in changes.items() if k != "initials"},
        )
    return case


def change_risk(*, actor: User, case: Case, level: str, reason: str) -> RiskChange:
    """Change a case's risk level, saying why; the history keeps who, when and why."""
    _require(actor, case.team, Permission.CHANGE_RISK)
    new_level = _level(level, field="level")
    reason = _clean_reason(reason)
    with transaction.atomic():
        # Re-read under lock so two changes at once both record the true "from" level.
        current = Case.objects.select_for_update().get(pk=case.pk)
        if current.risk_level == new_level:
            raise InvalidInput(
                _("The risk level is already %(level)s.") % {"level": new_level}, field="level"
            )
        change = RiskChange.objects.create(
            case=current,
            changed_by=actor,
            changed_at=timezone.now(),
            from_level=current.risk_level,
            to_level=new_level,
            reason=reason,
        )
        Case.objects.filter(pk=case.pk).update(risk_level=new_level)
        case.risk_level = new_level
        record(
            actor=actor,
            action="case.risk_changed",
            target=case,
            team_id=case.team_id,
            data={"from": change.from_level, "to": new_level},
        )
    return change
