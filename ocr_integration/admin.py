from django.contrib import admin

from .models import OcrAttempt, VendorAccount


@admin.register(VendorAccount)
class VendorAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "vendor", "region", "endpoint", "auth_scheme", "qps", "enabled"]
    list_filter = ["vendor", "enabled"]
    # Credentials are never listed; the reviewer-dashboard work adds encrypted editing.
    exclude = ["credential_secret_key", "credential_password"]


@admin.register(OcrAttempt)
class OcrAttemptAdmin(admin.ModelAdmin):
    list_display = ["created_at", "vendor", "endpoint", "outcome", "error_code", "http_status", "duration_ms",
                    "batch_size", "vendor_request_id"]
    list_filter = ["vendor", "outcome", "endpoint"]
    search_fields = ["vendor_request_id", "subject_ref", "error_code"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
