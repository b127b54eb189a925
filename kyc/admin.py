from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.forms.models import model_to_dict

from kyc.core.admin import ReadOnlyAdmin
from kyc.core.audit import Actor
from kyc.models import (
    Applicant,
    Case,
    CaseNote,
    CheckFinding,
    Decision,
    Document,
    DocumentReading,
    PendingFileDeletion,
    ReasonCode,
    SiteConfiguration,
    StaffLoginThrottle,
    TotpDevice,
)
from kyc.services.configuration import (
    reason_code_retire,
    reason_code_save,
    site_configuration_update,
)
from kyc.services.staff_auth import (
    staff_account_record_change,
    staff_login_unlock,
    staff_password_record_change,
    totp_disable,
)


def _staff_login(request, extra_context=None):
    """The admin signs in through the staff sign-in page (lockout, second factor), not its own form."""
    return redirect_to_login(request.GET.get("next") or "/admin/", "reviewer:login")


admin.site.login = _staff_login
_admin_password_change = admin.site.password_change


def _audited_password_change(request, extra_context=None):
    """A staff member changing their own password in the admin: audited like a reset."""
    with transaction.atomic():
        before = request.user.password
        response = _admin_password_change(request, extra_context)
        if request.user.password != before:
            staff_password_record_change(actor=Actor.staff(request.user), user=request.user)
    return response


admin.site.password_change = _audited_password_change


@admin.register(Applicant)
class ApplicantAdmin(admin.ModelAdmin):
    """Personal data is shown (audited) and erased on request, never edited here."""

    list_display = ["id", "language", "created_at"]
    fields = ["id", "email", "declared_full_name", "declared_birth_date", "language", "created_at"]
    readonly_fields = fields
    actions = ["erase_personal_data"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from kyc.services.applicants import applicant_record_view

        applicant_record_view(applicant_id=object_id, actor=Actor.staff(request.user))
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Erase the personal data of the selected applicants (erasure request)")
    def erase_personal_data(self, request, queryset):
        from kyc.services.retention import applicant_erase

        if not request.user.has_perm("kyc.erase_applicant"):
            self.message_user(request, "You may not erase applicants' data.", level="error")
            return
        erased = sum(applicant_erase(applicant_id=a.id, actor=Actor.staff(request.user)) for a in queryset)
        self.message_user(request, f"Erased the personal data of {erased} case(s); the audit trail keeps the event.")


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


@admin.register(PendingFileDeletion)
class PendingFileDeletionAdmin(ReadOnlyAdmin):
    """Stored files of erased cases that could not be deleted yet; every retention run retries."""

    list_display = ["case", "name", "attempts", "last_attempt_at", "last_error", "created_at"]
    readonly_fields = ["case", "name", "attempts", "last_attempt_at", "last_error", "created_at"]


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
        ("Upload quality gate", {"fields": ["capture_sharpness_refuse", "capture_glare_refuse",
                                            "capture_edge_lines_refuse", "capture_open_sides_refuse",
                                            "capture_mrz_min_lines", "capture_dark_refuse", "capture_dark_warn",
                                            "capture_min_print_span", "capture_edges_into_frame_refuse"]}),
        ("Supporting documents", {"fields": ["bank_card_passport", "bank_card_emirates_id",
                                             "bank_card_cn_resident_id"]}),
        ("Selfie and liveness", {"fields": ["selfie_passport", "selfie_emirates_id", "selfie_cn_resident_id"]}),
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
        if queryset.filter(user=request.user).exists():
            # Removing one's own factor asks for the password and a code: the account page does.
            messages.error(request, "Remove your own second factor from your account page.")
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

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password, its email for a reset) is out of reach of an admin
        # who is not one: changing it would make that admin the superuser. Still viewable.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            # Separation of duties: nobody grants themself a role (staff_account_record_change
            # refuses it too); another admin must.
            fields += ["groups", "is_staff", "is_superuser", "user_permissions", "is_active"]
        return list(dict.fromkeys(fields))

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the new password and writes only django_admin_log; the audit event
        # goes in the same transaction, and only when the password really changed.
        with transaction.atomic():
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and before is not None and user.password != before:
                staff_password_record_change(actor=Actor.staff(request.user), user=user)
        return response

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
