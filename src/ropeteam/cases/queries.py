"""Reads of cases; each one is audited, because case-linked content is sensitive."""

from django.db.models import QuerySet

from ropeteam.audit.log import record, record_read
from ropeteam.cases.flow import RiskLevel
from ropeteam.cases.models import Case, RiskChange
from ropeteam.people.models import Team, User


def list_cases(*, viewer: User, team: Team, keyworker: User | None = None) -> list[Case]:
    """Open cases of a team (optionally one keyworker's), highest risk first; audited."""
    cases: QuerySet[Case] = Case.objects.filter(team=team, closed_at__isnull=True)
    if keyworker is not None:
        cases = cases.filter(keyworkers=keyworker)
    result = sorted(
        cases.prefetch_related("keyworkers"),
        key=lambda c: (-RiskLevel(c.risk_level).rank, c.reference),
    )
    record(
        actor=viewer,
        action="case.listed",
        target_type="people.team",
        target_id=str(team.pk),
        team_id=team.pk,
        data={"count": len(result)},
    )
    return result


def view_case(*, viewer: User, case: Case) -> tuple[Case, list[RiskChange]]:
    """One case with its risk history; audited."""
    history = list(case.risk_changes.select_related("changed_by"))
    record_read(actor=viewer, action="case.viewed", target=case, team_id=case.team_id, data={})
    return case, history


def ids_with_reference(reference: str, team_ids: list[int]) -> list[int]:
    """For the audit trail: the cases with this team reference in these teams (ids only; the
    search that uses them is audited by the caller)."""
    return list(
        Case.objects.filter(reference=reference, team_id__in=team_ids).values_list("pk", flat=True)
    )
