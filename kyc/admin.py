from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.forms.models import model_to_dict

from kyc.models import (
    Applicant,
    AuditEvent,
    Case,
    CaseNote,
    CheckFinding,
    Decision,
    Document,
    DocumentReading,
    ReasonCode,
    SiteConfiguration,
    StaffLoginThrottle,
    TotpDevice,
)
from kyc.services.audit import Actor
from kyc.services.configuration import (
    reason_code_retire,
    reason_code_save,
    site_configuration_update,
)
from kyc.services.staff_auth import staff_account_record_change, staff_login_unlock, totp_disable


def _staff_login(request, extra_context=None):
    """The admin signs in through the staff sign-in page (lockout, second factor), not its own form."""
    return redirect_to_login(request.GET.get("next") or "/admin/", "reviewer:login")


admin.site.login = _staff_login


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline or the audit trail: visible in admin, never edited there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    list_display = ["id", "language", "created_at"]
    readonly_fields = ["id", "created_at"]


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ["kind", "is_current", "read_state", "byte_size", "width", "height", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "document_type", "issuing_country", "state", "submitted_at", "assigned_to"]
    list_filter = ["state", "document_type"]
    search_fields = ["reference"]
    # State changes go through the audited services, never through an admin form.
    readonly_fields = [
        "id", "reference", "applicant", "state", "state_reason", "state_changed_at", "submitted_at",
        "check_run", "created_by", "assigned_to", "created_at", "updated_at",
    ]
    inlines = [DocumentInline]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "case", "kind", "is_current", "read_state", "read_attempts", "created_at"]
    list_filter = ["kind", "read_state", "is_current"]
    exclude = ["file"]


@admin.register(DocumentReading)
class DocumentReadingAdmin(ReadOnlyAdmin):
    list_display = ["id", "document", "role", "provider", "created_at"]
    list_filter = ["role", "provider"]


@admin.register(CheckFinding)
class CheckFindingAdmin(ReadOnlyAdmin):
    list_display = ["case", "check_run", "code", "outcome", "created_at"]
    list_filter = ["outcome", "code"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["case", "outcome", "reviewer", "created_at"]
    list_filter = ["outcome"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "action", "actor_kind", "actor_label", "case_id"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["case_id", "object_id"]


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "applies_to", "is_active", "position"]
    list_filter = ["applies_to", "is_active"]
    list_editable = []
    actions = ["retire"]

    def get_readonly_fields(self, request, obj=None):
        # The code is the stable identifier in past decisions and exports: fixed once created.
        return ["code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        reason_code_save(actor=Actor.staff(request.user), reason_code=obj)

    def has_delete_permission(self, request, obj=None):
        return False  # retire instead: past decisions refer to their codes

    @admin.action(description="Retire the selected reason codes", permissions=["change"])
    def retire(self, request, queryset):
        for reason_code in queryset:
            reason_code_retire(actor=Actor.staff(request.user), reason_code=reason_code)
        messages.success(request, "Retired.")


@admin.register(SiteConfiguration)
class SiteConfigurationAdmin(admin.ModelAdmin):
    fieldsets = [
        ("Check thresholds", {"fields": ["min_confidence", "expiry_warning_days", "minimum_age_years"]}),
        ("Retention periods", {"fields": ["retention_approved_days", "retention_rejected_days",
                                          "retention_abandoned_days", "retention_audit_days"]}),
    ]

    def has_add_permission(self, request):
        return not SiteConfiguration.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = model_to_dict(obj, fields=SiteConfiguration.AUDITED_FIELDS)
        site_configuration_update(actor=Actor.staff(request.user), values=values)


@admin.register(StaffLoginThrottle)
class StaffLoginThrottleAdmin(ReadOnlyAdmin):
    list_display = ["username", "failures", "first_failure_at", "locked_until"]
    actions = ["unlock"]

    @admin.action(description="Unlock the selected sign-ins")
    def unlock(self, request, queryset):
        if not request.user.has_perm("kyc.change_staffloginthrottle"):
            messages.error(request, "You may not unlock sign-ins.")
            return
        for throttle in queryset:
            staff_login_unlock(actor=Actor.staff(request.user), username=throttle.username)
        messages.success(request, "Unlocked.")


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    list_display = ["user", "confirmed", "created_at"]
    exclude = ["secret"]
    actions = ["remove"]

    @admin.action(description="Remove the second factor (lost phone)")
    def remove(self, request, queryset):
        if not request.user.has_perm("kyc.delete_totpdevice"):
            messages.error(request, "You may not remove second factors.")
            return
        for device in queryset.select_related("user"):
            totp_disable(actor=Actor.staff(request.user), user=device.user)
        messages.success(request, "Removed.")


@admin.register(CaseNote)
class CaseNoteAdmin(ReadOnlyAdmin):
    list_display = ["case", "author", "created_at"]


class AuditedUserAdmin(UserAdmin):
    """Staff accounts and their roles (groups): every change lands in the audit trail.

    Roles are given through groups only: an admin who is not a superuser cannot make anyone a
    superuser or hand out single permissions past the role model.
    """

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def save_model(self, request, obj, form, change):
        request._kyc_groups_before = (
            sorted(obj.groups.values_list("name", flat=True)) if change and obj.pk else []
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        staff_account_record_change(
            actor=Actor.staff(request.user),
            user=user,
            created=not change,
            changed_fields=list(form.changed_data),
            groups_before=getattr(request, "_kyc_groups_before", []),
            groups_after=sorted(user.groups.values_list("name", flat=True)),
        )


admin.site.unregister(User)
admin.site.register(User, AuditedUserAdmin)
