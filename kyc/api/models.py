"""Integrators, their API keys, the cases they created, idempotency records and webhooks."""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models

from kyc.core.encryption.fields import EncryptedJSONField, EncryptedTextField

KEY_PREFIX = "kyc"


def hash_key(raw_key: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough (no guessing to slow down).
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


class Integrator(models.Model):
    """A company that onboards its customers through the API."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats request.user as a user: an authenticated integrator is one.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


class ApiKey(models.Model):
    """One API key. Only its hash is stored; the key itself is shown once, when it is created."""

    integrator = models.ForeignKey(Integrator, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, blank=True, help_text="What the key is for, e.g. 'production'")
    # The first characters of the key, stored in clear so that a key can be recognised in a list.
    prefix = models.CharField(max_length=16, db_index=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.integrator})"

    @staticmethod
    def generate() -> tuple[str, str]:
        """A new raw key and its prefix: ``kyc_<8 chars>_<43 chars>``."""
        prefix = secrets.token_hex(4)
        return f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


class IntegratorCase(models.Model):
    """Which integrator created a case: an integrator sees only its own cases."""

    case = models.OneToOneField("kyc.Case", on_delete=models.CASCADE, related_name="integrator_link")
    integrator = models.ForeignKey(Integrator, on_delete=models.PROTECT, related_name="case_links")
    external_reference = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} by {self.integrator_id}"


class IdempotencyRecord(models.Model):
    """The answer to one POST made with an ``Idempotency-Key``, replayed for a retried request."""

    integrator = models.ForeignKey(Integrator, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    # The case the request created or acted on, stored when the answer is: erasure finds every
    # record of a case by it (the case-creating POST's path names no case).
    case = models.ForeignKey("kyc.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # None while the first request is still being handled.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # A replayed answer may hold what the case's documents say: encrypted at rest, and short-lived.
    response_body = EncryptedJSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integrator", "key"], name="one_record_per_idempotency_key")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key[:12]}]"


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL an integrator wants case state changes posted to."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    integrator = models.ForeignKey(Integrator, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    # Kept in clear: it signs every delivery. Shown to the integrator when the endpoint is created.
    # Signs every delivery, so it is kept (encrypted at rest), unlike API keys which are hashed.
    secret = EncryptedTextField(default=new_webhook_secret)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class DisabledReason(models.TextChoices):
        INTEGRATOR = "integrator", "Disabled by the integrator"
        RECEIVER_GONE = "receiver_gone", "The receiver answered 410 Gone"
        ADMIN = "admin", "Disabled by an admin"

    # Why and when the endpoint stopped receiving events (empty while it is active).
    disabled_reason = models.CharField(max_length=20, choices=DisabledReason.choices, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, and where its delivery stands."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=60)
    case_id = models.UUIDField(db_index=True)
    # The event as posted; its state_reason may carry a reviewer's words: encrypted at rest.
    payload = EncryptedJSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One HTTP POST of a delivery: outcome and duration, never the payload again."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_records")
    number = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["attempted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="one_record_per_attempt")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
