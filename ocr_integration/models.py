"""Vendor accounts and every OCR vendor attempt.

An attempt row holds what an admin needs to see a vendor misbehave (vendor, endpoint, outcome
class, error code, HTTP status, duration, the vendor's request id) and an opaque reference to
what was being read — never an image, never a value read from it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from kyc.core.encryption.fields import EncryptedTextField

from .documents.kinds import KIND_LABELS, READ_KINDS


class VendorAccount(models.Model):
    """One account at one OCR vendor. Credentials sit in the ``credential_*`` fields only,
    encrypted at rest, and the admin never shows them back."""

    class Vendor(models.TextChoices):
        HUAWEI = "huawei", "Huawei Cloud"
        G42 = "g42", "G42 Cloud (Huawei stack)"
        CTYUN = "ctyun", "China Telecom Cloud"

    class AuthScheme(models.TextChoices):
        AKSK = "aksk", "AK/SK signature (SDK-HMAC-SHA256)"
        TOKEN = "token", "IAM token (password grant)"
        EOP = "eop", "EOP signature (CTyun)"

    name = models.SlugField(max_length=40, unique=True, help_text="Provider name used in OCR routing, e.g. g42.")
    vendor = models.CharField(max_length=20, choices=Vendor.choices)
    region = models.CharField(max_length=40, blank=True)
    endpoint = models.URLField(max_length=200)
    iam_endpoint = models.URLField(max_length=200, blank=True)
    project_id = models.CharField(max_length=64, blank=True)
    project_name = models.CharField(max_length=64, blank=True)
    auth_scheme = models.CharField(max_length=10, choices=AuthScheme.choices)
    qps = models.FloatField(default=5.0, help_text="Requests per second this account may send (0 = no limit). "
                                                   "CTyun's default quota is 5.")
    clock_zone = models.CharField(
        max_length=40, blank=True, default="Asia/Shanghai",
        help_text="CTyun only: the zone whose wall time eop-date carries (IANA name or +HH:MM). "
                  "The vendor's example signs Beijing time.",
    )
    passport_api = models.CharField(
        max_length=10, choices=[("passport", "passport"), ("auto", "auto (id-document, discontinued)")],
        default="passport",
        help_text="Huawei only: 'auto' sends the passports id-document lists to that discontinued API "
                  "(end of sale 2025-02-18). Refused for G42, which does not offer it.",
    )
    enabled = models.BooleanField(default=True)
    credential_access_key = EncryptedTextField(blank=True)
    credential_secret_key = EncryptedTextField(blank=True)
    credential_app_key = EncryptedTextField(blank=True)
    credential_domain_name = EncryptedTextField(blank=True)
    credential_username = EncryptedTextField(blank=True)
    credential_password = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_vendor_display()}, {self.region or 'no region'})"

    def clean(self) -> None:
        """Refuse what the vendor's documents rule out (``vendors.checks``), naming the field."""
        from .vendors.accounts import settings_of_row
        from .vendors.checks import refusals

        errors: dict[str, list[str]] = {}
        for problem in refusals(self.name or "new account", settings_of_row(self)):
            errors.setdefault(problem.field, []).append(problem.message)
        if errors:
            raise ValidationError(errors)


class OcrAttempt(models.Model):
    """One HTTP call to an OCR vendor (or its IAM service)."""

    vendor = models.CharField(max_length=40, db_index=True)
    endpoint = models.CharField(max_length=120)
    outcome = models.CharField(max_length=20, db_index=True, help_text="success, or the error class")
    error_code = models.CharField(max_length=64, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    vendor_request_id = models.CharField(max_length=128, blank=True)
    batch_size = models.PositiveSmallIntegerField(default=1)
    subject_ref = models.CharField(max_length=128, blank=True, db_index=True,
                                   help_text="Opaque reference to what was read (e.g. a document id).")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["vendor", "outcome", "created_at"])]

    def __str__(self) -> str:
        return f"{self.vendor} {self.endpoint} {self.outcome} {self.error_code}".strip()


class RoutingRule(models.Model):
    """Which provider reads one document kind: a primary, a fallback, an independent second reader.

    Set by admins; a kind with no rule falls back to the environment's routing
    (``OCR_ROUTE_<KIND>``, then ``OCR_DEFAULT_PROVIDER``). Provider names are those of
    ``settings.OCR_PROVIDERS`` and of vendor accounts.
    """

    document_kind = models.CharField(
        max_length=30, unique=True, choices=[(k.value, KIND_LABELS[k]) for k in READ_KINDS]
    )
    primary = models.CharField(max_length=40)
    fallback = models.CharField(max_length=40, blank=True)
    second_reader = models.CharField(max_length=40, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["document_kind"]

    def __str__(self) -> str:
        return f"{self.document_kind}: {self.primary}"

    AUDITED_FIELDS = ("document_kind", "primary", "fallback", "second_reader", "enabled")
