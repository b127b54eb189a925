"""A case's selfie face descriptor (encrypted) and its blind index entries (kyc.privacy.face_index).

Both are personal data (biometric): erased with the case (kyc.privacy.personal_data), never logged.
"""

from django.db import models

from kyc.core.encryption.fields import EncryptedTextField


class FaceDescriptor(models.Model):
    """The 128-d descriptor of the face in a case's current selfie, for the duplicate-face search."""

    case = models.OneToOneField("kyc.Case", on_delete=models.CASCADE, related_name="face_descriptor")
    # The selfie it was computed from (a new selfie replaces the descriptor).
    document = models.ForeignKey("kyc.Document", on_delete=models.CASCADE, related_name="+")
    descriptor = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"face descriptor of case {self.case_id}"


class FaceIndexEntry(models.Model):
    """One keyed LSH bucket digest of a case's face descriptor (one row per table)."""

    descriptor = models.ForeignKey(FaceDescriptor, on_delete=models.CASCADE, related_name="index_entries")
    # The case again, so that a search excludes the asking case and erased cases without a join.
    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="+")
    bucket = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["descriptor", "bucket"], name="one_face_bucket_per_descriptor")]
        # The search reads (bucket, descriptor) only: an index-only scan, no table rows visited.
        indexes = [models.Index(fields=["bucket", "descriptor"], name="face_bucket_descriptor")]

    def __str__(self) -> str:
        return f"face bucket of case {self.case_id}"
