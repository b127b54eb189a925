from django.contrib import admin

from kyc.core.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline or the audit trail: visible in admin, never edited there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "occurred_at", "action", "actor_kind", "actor_label", "case_id"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["case_id", "object_id"]
