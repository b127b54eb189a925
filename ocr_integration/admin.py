from django.contrib import admin

from .models import OcrAttempt

# VendorAccount and RoutingRule are edited through kyc/admin.py, which audits every change
# (ocr_integration cannot write kyc's audit trail).


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
