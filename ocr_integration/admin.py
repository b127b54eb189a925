from django import forms
from django.conf import settings
from django.contrib import admin

from kyc.core.audit import Actor
from ocr_integration.configuration import (
    CREDENTIAL_FIELDS,
    VENDOR_FIELDS,
    routing_rule_delete,
    routing_rule_save,
    vendor_account_save,
)
from ocr_integration.models import OcrAttempt, RoutingRule, VendorAccount

# VendorAccount and RoutingRule are written through ocr_integration.configuration, which audits
# every change on the shared trail (kyc.core).


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


_CREDENTIALS = CREDENTIAL_FIELDS
_VENDOR_SETTINGS = list(VENDOR_FIELDS)


class HttpsURLField(forms.URLField):
    """Vendor endpoints are HTTPS: a URL typed without a scheme means https://."""

    def __init__(self, **kwargs):
        kwargs.pop("assume_scheme", None)
        super().__init__(assume_scheme="https", **kwargs)


class WriteOnlySecretsAdmin(admin.ModelAdmin):
    """An admin whose ``write_only_fields`` may be typed in but are never rendered back.

    Django renders every field of ``fields`` as read-only text in view mode (a staff member with
    only the view permission), which would print a decrypted secret; so without the change
    permission those fields are replaced by one line saying which of them hold a value.
    """

    write_only_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [name for name in fields if name not in self.write_only_fields] + ["stored_secrets"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "stored_secrets"]

    @admin.display(description="Stored secrets")
    def stored_secrets(self, obj) -> str:
        def label(name: str) -> str:
            return name.removeprefix("credential_").replace("_", " ").capitalize()

        stored = [label(name) for name in self.write_only_fields if getattr(obj, name, "")]
        missing = [label(name) for name in self.write_only_fields if not getattr(obj, name, "")]
        return f"Stored: {', '.join(stored) or 'none'}. Not set: {', '.join(missing) or 'none'}."


class VendorAccountForm(forms.ModelForm):
    """Credentials are write-only: typed in, encrypted at rest, never rendered back."""

    class Meta:
        model = VendorAccount
        fields = _VENDOR_SETTINGS
        field_classes = {"endpoint": HttpsURLField, "iam_endpoint": HttpsURLField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in _CREDENTIALS:
            is_set = bool(self.instance.pk and getattr(self.instance, name))
            label = name.removeprefix("credential_").replace("_", " ")
            self.fields[name] = forms.CharField(
                label=label.capitalize(),
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text="A value is stored; type a new one to replace it." if is_set else "Not set.",
            )


@admin.register(VendorAccount)
class VendorAccountAdmin(WriteOnlySecretsAdmin):
    form = VendorAccountForm
    write_only_fields = _CREDENTIALS
    list_display = ["name", "vendor", "region", "endpoint", "auth_scheme", "qps", "enabled"]
    list_filter = ["vendor", "enabled"]

    fields = [*_VENDOR_SETTINGS, *_CREDENTIALS]

    def save_model(self, request, obj, form, change):
        vendor_account_save(
            actor=Actor.staff(request.user),
            account=obj,
            new_credentials={name: form.cleaned_data.get(name, "") for name in _CREDENTIALS},
        )

    def has_delete_permission(self, request, obj=None):
        return False  # disable instead: attempts and audit events refer to the account by name


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["document_kind", "primary", "fallback", "second_reader", "enabled"]

    def _provider(self, name: str, *, required: bool) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value and not required:
            return ""
        known = set(settings.OCR_PROVIDERS) | set(VendorAccount.objects.values_list("name", flat=True))
        if value not in known:
            raise forms.ValidationError(f"Unknown provider {value!r}; known: {', '.join(sorted(known))}.")
        return value

    def clean_primary(self):
        return self._provider("primary", required=True)

    def clean_fallback(self):
        return self._provider("fallback", required=False)

    def clean_second_reader(self):
        return self._provider("second_reader", required=False)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["document_kind", "primary", "fallback", "second_reader", "enabled", "updated_at"]

    def save_model(self, request, obj, form, change):
        routing_rule_save(actor=Actor.staff(request.user), rule=obj)

    def delete_model(self, request, obj):
        routing_rule_delete(actor=Actor.staff(request.user), rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            routing_rule_delete(actor=Actor.staff(request.user), rule=rule)
