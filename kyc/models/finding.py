from django.db import models

from kyc.core.encryption.fields import EncryptedJSONField, EncryptedTextField
from ocr_integration.documents.findings import Outcome


class CheckFinding(models.Model):
    """One automated check's verdict on a case, with the evidence a reviewer needs."""

    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="findings")
    check_run = models.PositiveIntegerField()
    code = models.CharField(max_length=60, db_index=True)
    outcome = models.CharField(max_length=10, choices=[(o.value, o.value) for o in Outcome], db_index=True)
    # Messages and evidence quote the values compared: encrypted at rest.
    message = EncryptedTextField()
    evidence = EncryptedJSONField(default=dict)
    document_kind = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case", "check_run"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.outcome}"
