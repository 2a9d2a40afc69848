"""The audit trail read in the app by an organisation's auditors.

An auditor searches by person, by what was done to what, by action and by date, and may take
the result away as CSV. Every search is itself an entry in the trail (`audit.searched`, with
its filters and how many entries it showed). Entries about a concern are never shown: a
concern is known only to its two people and, once escalated, the next person up (ADR 0006).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from ropeteam.audit.log import record
from ropeteam.audit.models import AuditEntry, Auditor

CONCERN = "concerns.concern"  # the concern's model label, as entries name their target
LIMIT = 500  # entries shown on the page; the CSV holds up to EXPORT_LIMIT
EXPORT_LIMIT = 20_000


@dataclass(frozen=True)
class Search:
    """What the auditor asked for; every part is optional."""

    person_id: int | None = None  # who did it, or whom it was done to
    target_type: str = ""  # with target_ids: what it was done to (e.g. "cases.case")
    target_ids: tuple[str, ...] = ()
    action: str = ""  # an action, or the start of one ("thinking." for all of them)
    since: date | None = None
    until: date | None = None  # inclusive


def organisations_audited_by(user_id: int) -> list[int]:
    return list(Auditor.objects.filter(user_id=user_id).values_list("organisation_id", flat=True))


def grant(*, actor: Model | None, user_id: int, organisation_id: int) -> Auditor:
    """Let this person read the organisation's trail (idempotent), audited."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = Auditor.objects.create(user_id=user_id, organisation_id=organisation_id)
        except IntegrityError:
            return Auditor.objects.get(user_id=user_id, organisation_id=organisation_id)
        record(
            actor=actor,
            action="audit.auditor_granted",
            target_type="people.user",
            target_id=str(user_id),
            data={"organisation": organisation_id},
        )
    return row


def revoke(*, actor: Model | None, user_id: int, organisation_id: int) -> None:
    with transaction.atomic():
        gone, _kinds = Auditor.objects.filter(
            user_id=user_id, organisation_id=organisation_id
        ).delete()
        if gone:
            record(
                actor=actor,
                action="audit.auditor_revoked",
                target_type="people.user",
                target_id=str(user_id),
                data={"organisation": organisation_id},
            )


def _rows(scope: "Scope", search: Search) -> QuerySet[AuditEntry]:
    # The organisation's teams' entries; those of no team (a sign-in, a refusal) made by
    # someone in them; and its auditors' own searches.
    ours = (
        Q(team_id__in=scope.team_ids)
        | Q(team_id__isnull=True, actor_id__in=scope.member_ids)
        | Q(action__startswith="audit.", data__organisation__in=scope.organisation_ids)
    )
    rows = AuditEntry.objects.filter(ours).exclude(target_type=CONCERN)
    if search.person_id is not None:
        rows = rows.filter(
            Q(actor_id=search.person_id)
            | Q(target_type="people.user", target_id=str(search.person_id))
        )
    if search.target_type:
        rows = rows.filter(target_type=search.target_type, target_id__in=search.target_ids)
    if search.action:
        rows = rows.filter(action__startswith=search.action)
    zone = timezone.get_current_timezone()
    if search.since is not None:
        rows = rows.filter(at__gte=datetime.combine(search.since, time.min, zone))
    if search.until is not None:
        next_day = datetime.combine(search.until + timedelta(days=1), time.min, zone)
        rows = rows.filter(at__lt=next_day)
    return rows.select_related("actor").order_by("-id")


@dataclass(frozen=True)
class Scope:
    """One organisation's trail: its teams' entries, its people's entries of no team, and its
    auditors' own."""

    organisation_ids: list[int]
    team_ids: list[int]
    member_ids: list[int]


def search(*, actor: Model, scope: Scope, wanted: Search, export: bool = False) -> list[AuditEntry]:
    """The entries that match, newest first; the search itself is audited."""
    limit = EXPORT_LIMIT if export else LIMIT
    found = list(_rows(scope, wanted)[:limit])
    shown = {k: str(v) for k, v in asdict(wanted).items() if v not in (None, "", ())}
    for organisation_id in scope.organisation_ids:
        record(
            actor=actor,
            action="audit.exported" if export else "audit.searched",
            data={"organisation": organisation_id, "search": shown, "entries": len(found)},
        )
    return found


def to_csv(entries: Iterable[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "actor", "action", "target_type", "target_id", "team_id"])
    for e in entries:
        actor = e.actor.get_username() if e.actor is not None else ""
        row = [e.pk, e.at.isoformat(), actor, e.action, e.target_type, e.target_id, e.team_id]
        # A spreadsheet runs a cell that starts with = + - @ as a formula: quote it.
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
