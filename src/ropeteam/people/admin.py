"""The support admin site, for organisation admins: their organisation's teams and accounts only.

Superusers see everything (command-line break-glass accounts); an organisation admin sees
only what belongs to the organisations they administer, and changes it only through the
same actions the app and the API use (`people.actions`): each change is audited, a team
keeps its last lead, and a person whose access narrows has their open sockets checked again.
Nobody sets another person's password here: an admin makes a reset link for them. A break-
glass superuser's saves are audited too. Cases are not here at all: nobody does support
work on case content.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from ropeteam.audit import trail
from ropeteam.audit.log import record
from ropeteam.audit.models import AuditEntry, Auditor
from ropeteam.core.errors import RopeteamError
from ropeteam.people import actions as people_actions
from ropeteam.people.auth import AdminSignInForm
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

# The admin's sign-in page is a door for guessing too: held back like the app's.
admin.site.login_form = AdminSignInForm


def administered(request: HttpRequest) -> list[int]:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        OrganisationAdmin.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True)
    )


def _me(request: HttpRequest) -> User:
    """The admin site's signed-in person (its pages let no one else in)."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


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

    # --- changes go through the actions --------------------------------------------------

    # The fields an organisation admin may change on this page (each through `act`).
    changeable: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        fields = [f.name for f in self.model._meta.concrete_fields if f.name != "id"]
        return [f for f in fields if f not in self.changeable]

    def act(self, request: HttpRequest, obj: Any, form: ModelForm[Any]) -> None:
        """Make an organisation admin's change through the actions (a page that lets them
        change anything overrides this)."""
        raise PermissionDenied

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        if request.user.is_superuser:  # break-glass: saved as asked, and audited
            super().save_model(request, obj, form, change)
            record(
                actor=request.user,
                action="admin.saved",
                target=obj,
                data={"fields": sorted(form.changed_data), "added": not change},
            )
            return
        try:
            self.act(request, obj, form)
        except RopeteamError as refusal:
            request.refused = True  # type: ignore[attr-defined]
            self.message_user(request, refusal.message, messages.ERROR)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        if getattr(request, "refused", False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Model) -> HttpResponse:
        if getattr(request, "refused", False):  # back to the form, the refusal shown
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

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


class OrganisationForm(ModelForm[Organisation]):
    # Whether the policy is on; when it was switched on (the grace period's start) is kept
    # by the action, not typed here.
    second_factor_required = forms.BooleanField(
        label=_("Second factor required"),
        required=False,
        help_text=_(
            "For everyone whose role sees case content: after the grace period, they must "
            "set up an authenticator app or a passkey before anything else."
        ),
    )
    second_factor_grace_days = forms.IntegerField(
        label=_("Days to set up a second factor"), min_value=0, max_value=365, required=False
    )

    class Meta:
        model = Organisation
        fields = ["out_of_hours_contact", "out_of_hours_email", "out_of_hours_person"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["second_factor_required"].initial = (
            self.instance.second_factor_required_since is not None
        )
        self.fields["second_factor_grace_days"].initial = self.instance.second_factor_grace_days


@admin.register(Organisation)
class OrganisationAdminPage(OrganisationScoped):
    organisation_path = "pk"
    form = OrganisationForm
    list_display = ["name", "out_of_hours_contact"]
    fields = ["name", *OrganisationForm.Meta.fields, *OrganisationForm.declared_fields]
    changeable = (
        "out_of_hours_contact",
        "out_of_hours_email",
        "out_of_hours_person",
        "second_factor_grace_days",
    )

    def act(self, request: HttpRequest, obj: Any, form: ModelForm[Any]) -> None:
        data = form.cleaned_data
        organisation = Organisation.objects.get(pk=obj.pk)
        required, grace = data["second_factor_required"], data["second_factor_grace_days"]
        grace = organisation.second_factor_grace_days if grace is None else grace
        was_required = organisation.second_factor_required_since is not None
        if (required, grace) != (was_required, organisation.second_factor_grace_days):
            people_actions.set_second_factor_policy(
                actor=request.user,  # type: ignore[arg-type]
                organisation=organisation,
                required=required,
                grace_days=grace,
            )
        people_actions.set_out_of_hours(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            contact=data["out_of_hours_contact"],
            email=data["out_of_hours_email"],
            person=data["out_of_hours_person"],
        )

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
    fields = ["team", "user", "role", "grade", "profession", "joined_at", "removed_at"]
    readonly_fields = ["team", "user", "joined_at", "removed_at"]
    changeable = ("role", "grade", "profession")

    def act(self, request: HttpRequest, obj: Any, form: ModelForm[Any]) -> None:
        data = form.cleaned_data
        people_actions.change_member(
            actor=request.user,  # type: ignore[arg-type]
            membership=Membership.objects.select_related("team", "user").get(pk=obj.pk),
            role=data["role"],
            grade=data["grade"],
            profession=data["profession"],
        )


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
    # No password here: a person sets their own, by a link (the "reset link" action).
    fieldsets = [
        (None, {"fields": ["username"]}),
        (_("Person"), {"fields": ["display_name", "email", "phone"]}),
        (_("Access"), {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    changeable = ("is_active",)
    actions = ["make_reset_link"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.fieldsets

    def act(self, request: HttpRequest, obj: Any, form: ModelForm[Any]) -> None:
        organisation = Organisation.objects.filter(
            pk__in=administered(request), teams__memberships__user_id=obj.pk
        ).first()
        if organisation is None:
            raise PermissionDenied
        people_actions.set_account_active(
            actor=request.user,  # type: ignore[arg-type]
            organisation=organisation,
            user=User.objects.get(pk=obj.pk),
            is_active=form.cleaned_data["is_active"],
        )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied  # a reset link instead: nobody sets another's password
        return super().user_change_password(request, id, form_url)

    @admin.action(description=_("Make a password reset link"))
    def make_reset_link(self, request: HttpRequest, people: QuerySet[User]) -> None:
        for person in people:
            try:
                link = people_actions.password_reset_link(
                    actor=request.user,  # type: ignore[arg-type]
                    user=person,
                    base_url=settings.BASE_URL,
                )
            except RopeteamError as refusal:
                self.message_user(request, f"{person.username}: {refusal.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                _("Give %(name)s this link to set their password (it works once): %(link)s")
                % {"name": person.name, "link": link},
                messages.SUCCESS,
            )


# The audit log is registered here, where organisation scoping lives: audit/ knows no teams.
CONCERN = "concerns.concern"  # the concern's model label, as the audit log names it


@admin.register(Auditor)
class AuditorAdminPage(OrganisationScoped):
    """Who reads the organisation's audit trail in the app: granted and taken away here,
    each change audited (`audit.trail`); nothing else about it can be edited."""

    list_display = ["user", "organisation", "granted_at"]
    fields = ["user", "organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return ()  # added, or taken away: never changed

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        row = trail.grant(
            actor=_me(request), user_id=obj.user_id, organisation_id=obj.organisation_id
        )
        obj.pk, obj.granted_at = row.pk, row.granted_at

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        trail.revoke(actor=_me(request), user_id=obj.user_id, organisation_id=obj.organisation_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdminPage(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the log is append-only, in the database as well as here."""

    list_display = ["at", "actor", "action", "target_type", "target_id", "team_id"]
    list_filter = ["action"]
    search_fields = ["action", "target_id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # A concern is known to its two people and, once escalated, the next person up
        # (ADR 0006): its trail is on the concern's own page, never in the admin's list.
        rows = super().get_queryset(request).exclude(target_type=CONCERN)
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
