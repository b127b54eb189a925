from django.contrib import admin, messages
from django.utils import timezone

from kyc.api.models import (
    ApiKey,
    Integrator,
    IntegratorCase,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from kyc.api.services import api_key_create, api_key_revoke
from kyc.core.audit import Actor
from kyc.services.configuration import configuration_object_save


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # keys are made by the "Create an API key" action, which shows the key once


@admin.register(Integrator)
class IntegratorAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "created_at"]
    inlines = [ApiKeyInline]
    actions = ["create_key"]

    def save_model(self, request, obj, form, change):
        configuration_object_save(
            actor=Actor.staff(request.user), obj=obj, fields=tuple(form.changed_data) or ("name",),
            object_type="integrator",
        )

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: cases and audit events refer to the integrator

    @admin.action(description="Create an API key (shown once)")
    def create_key(self, request, queryset):
        for integrator in queryset:
            _, raw_key = api_key_create(integrator=integrator, name="admin", actor=Actor.staff(request.user))
            # Shown once, in this message; only its hash is stored.
            self.message_user(request, f"New API key for {integrator.name}: {raw_key}", messages.WARNING)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "integrator", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["integrator", "prefix", "hashed_key", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset:
            api_key_revoke(key=key, actor=Actor.staff(request.user))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "integrator", "is_active", "disabled_reason", "disabled_at", "created_at"]
    list_filter = ["is_active", "disabled_reason"]
    exclude = ["secret"]
    readonly_fields = ["disabled_reason", "disabled_at"]

    def save_model(self, request, obj, form, change):
        fields = tuple(form.changed_data) or ("url",)
        if "is_active" in form.changed_data:
            # An admin switching it off says so; switching it back on clears why it was off.
            obj.disabled_reason = "" if obj.is_active else WebhookEndpoint.DisabledReason.ADMIN
            obj.disabled_at = None if obj.is_active else timezone.now()
            fields += ("disabled_reason", "disabled_at")
        configuration_object_save(
            actor=Actor.staff(request.user), obj=obj, fields=fields, object_type="webhook_endpoint",
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["number", "status_code", "error", "duration_ms", "succeeded", "attempted_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "event_type", "state", "attempts", "last_status_code", "created_at"]
    list_filter = ["state", "event_type"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request):
        return False


@admin.register(IntegratorCase)
class IntegratorCaseAdmin(admin.ModelAdmin):
    list_display = ["case", "integrator", "external_reference", "created_at"]
    readonly_fields = ["case", "integrator", "created_at"]
