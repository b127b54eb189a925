from django.contrib import admin

from kyc.models import Applicant, AuditEvent, Case, CheckFinding, Decision, Document, DocumentReading


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
