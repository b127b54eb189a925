import uuid

from django.db import models

from kyc.core.encryption.fields import (
    EncryptedDateField,
    EncryptedTextField,
)


class Applicant(models.Model):
    """A person being onboarded. What they declare is compared with what their documents say."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Personal values are encrypted at rest (kyc/core/encryption).
    email = EncryptedTextField(blank=True)
    declared_full_name = EncryptedTextField(blank=True)
    declared_birth_date = EncryptedDateField(null=True, blank=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("erase_applicant", "Can erase an applicant's personal data on request")]

    def __str__(self) -> str:
        # Never the name or email: this string lands in admin logs and error reports.
        return f"Applicant {str(self.id)[:8]}"
