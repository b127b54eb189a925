import uuid

from django.db import models

from kyc.core.encryption.fields import EncryptedJSONField
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind


def case_storage_prefix(case_id) -> str:
    """The folder (an S3 key prefix) that holds every stored file of a case, and nothing else."""
    return f"cases/{case_id}/"


def document_upload_path(document: "Document", filename: str) -> str:
    # No part of the applicant's file name is kept: it may hold a name or a number.
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(document.content_type, "bin")
    return f"{case_storage_prefix(document.case_id)}{document.id}.{extension}"


class Document(models.Model):
    """One uploaded image of one side of the case's document."""

    class ReadState(models.TextChoices):
        PENDING = "pending", "Waiting to be read"
        READING = "reading", "Being read"
        READ = "read", "Read"
        FAILED = "failed", "Could not be read"
        # A selfie: stored like every image, never sent to an OCR reader.
        NOT_READ = "not_read", "Not read (no text to read)"

    # The states in which a current image holds up nothing: read, or never to be read.
    SETTLED_READ_STATES = (ReadState.READ, ReadState.NOT_READ)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=[(k.value, KIND_LABELS[k]) for k in DocumentKind])
    file = models.FileField(upload_to=document_upload_path, max_length=255)
    sha256 = models.CharField(max_length=64)
    byte_size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=50)
    # A replaced image stays (the audit trail refers to it) but is no longer current.
    is_current = models.BooleanField(default=True)
    read_state = models.CharField(max_length=10, choices=ReadState.choices, default=ReadState.PENDING)
    # The id of the task that claimed the read; a redelivered copy of the same task may resume it.
    claim_token = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    read_attempts = models.PositiveIntegerField(default=0)
    failure_class = models.CharField(max_length=30, blank=True)
    failure_reason = models.TextField(blank=True)
    # Bank cards only: True once the stored image is a copy with the hidden digits of the number
    # painted over (the image as sent is deleted); False when no number was found on it, so the
    # image is kept as sent and the reviewer is told. None for every other side, and before reading.
    card_number_masked_on_image = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(is_current=True), name="one_current_document_per_kind"
            )
        ]
        indexes = [
            # The reviewer queue's side filter at 100 000 cases: which cases have a current side of
            # a kind, read from this small index instead of every document row.
            models.Index(fields=["kind", "case"], condition=models.Q(is_current=True), name="document_current_kind_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of case {self.case_id}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[DocumentKind(self.kind)]


class DocumentReading(models.Model):
    """What one provider read from one document: the canonical fields and the raw answer."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary reader"
        SECOND = "second", "Second, independent reader"

    document = models.ForeignKey("kyc.Document", on_delete=models.CASCADE, related_name="readings")
    role = models.CharField(max_length=10, choices=Role.choices)
    provider = models.CharField(max_length=50)
    # Canonical fields: {name: {"value": str, "confidence": float | None, "box": [l, t, r, b] | None}}
    # What was read is personal data: encrypted at rest, as is the vendor's raw answer.
    fields = EncryptedJSONField(default=dict)
    mrz_lines = EncryptedJSONField(default=list)
    raw_response = EncryptedJSONField(default=dict)
    vendor_request_id = models.CharField(max_length=100, blank=True)
    # The claim under which this reading was made: a task delivered twice stores one reading.
    claim_token = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "role", "claim_token"], name="one_reading_per_claim")
        ]

    def __str__(self) -> str:
        return f"{self.role} reading by {self.provider}"
