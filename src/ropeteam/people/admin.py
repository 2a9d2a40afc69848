"""The support admin site, for organisation admins: their organisation's teams and accounts only.

Superusers see everything (command-line break-glass accounts); an organisation admin sees
and changes only what belongs to the organisations they administer. Cases are not here at
all: nobody does support work on case content.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from ropeteam.audit.models import AuditEntry
from ropeteam.people.models import (
    DutyShift,
    Invitation,
    Membership,
    Organisation,
    OrganisationAdmin,
    RopeHolder,
    Team,
    User,
)


def administered(request: HttpRequest) -> list[int]:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        OrganisationAdmin.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
    )


class OrganisationScoped(admin.ModelAdmin):  # type: ignore[type-arg]
    """Limits rows to the admin's organisations; `organisation_path` says how to get there."""

    organisation_path = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        return rows.filter(**{f"{self.organisation_path}__in": administered(request)}).distinct()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(administered(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Removal goes through the app, which keeps ropes and the audit log straight.
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Choices in forms are scoped too, so no other organisation's names appear.
        if not request.user.is_superuser:
            orgs = administered(request)
            if db_field.related_model is Team:
                kwargs["queryset"] = Team.objects.filter(organisation__in=orgs)
            elif db_field.related_model is Organisation:
                kwargs["queryset"] = Organisation.objects.filter(pk__in=orgs)
            elif db_field.related_model is User:
                kwargs["queryset"] = User.objects.filter(
                    memberships__team__organisation__in=orgs
                ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation)
class OrganisationAdminPage(OrganisationScoped):
    organisation_path = "pk"
    list_display = ["name", "out_of_hours_contact"]
    fields = ["name", "out_of_hours_contact", "out_of_hours_email", "out_of_hours_person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = admin.ModelAdmin.get_queryset(self, request)
        return rows if request.user.is_superuser else rows.filter(pk__in=administered(request))


@admin.register(Team)
class TeamAdminPage(OrganisationScoped):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdminPage(OrganisationScoped):
    organisation_path = "team__organisation"
    list_display = ["user", "team", "role", "grade", "joined_at", "removed_at"]
    list_filter = ["role", "grade"]
    search_fields = ["user__username", "user__display_name"]
    readonly_fields = ["team", "user", "joined_at", "removed_at"]


@admin.register(RopeHolder)
class RopeHolderAdminPage(OrganisationScoped):
    organisation_path = "team__organisation"
    list_display = ["worker", "position", "holder", "team"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser  # rope holders change through the app, audited


@admin.register(DutyShift)
class DutyShiftAdminPage(OrganisationScoped):
    organisation_path = "team__organisation"
    list_display = ["team", "lead", "starts_at", "ends_at"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser  # the rota changes through the app, audited


@admin.register(Invitation)
class InvitationAdminPage(OrganisationScoped):
    organisation_path = "team__organisation"
    list_display = ["team", "role", "note", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class PersonAdminPage(OrganisationScoped, UserAdmin[User]):
    organisation_path = "memberships__team__organisation"
    list_display = ["username", "display_name", "email", "is_active", "last_login"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["display_name", "email", "phone"]}),
        ("Access", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.fieldsets


# The audit log is registered here, where organisation scoping lives: audit/ knows no teams.
@admin.register(AuditEntry)
class AuditEntryAdminPage(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the log is append-only, in the database as well as here."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "team_id"]
    list_filter = ["action"]
    search_fields = ["action", "target_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        teams = Team.objects.filter(organisation__in=administered(request)).values("pk")
        return rows.filter(team_id__in=teams)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(administered(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
