"""A case's selfie face descriptor (encrypted) and its blind index entries (kyc.privacy.face_index).

Both are personal data (biometric): erased with the case (kyc.privacy.personal_data), never logged.
"""

from django.db import models
from django.db.models import Lookup

from kyc.core.encryption.fields import EncryptedTextField


class BucketIn(Lookup):
    """``BucketIn(F("bucket"), digests)``: the column is one of ``digests`` (integers).

    On PostgreSQL the digests go as one array literal behind a scalar sub-select,
    ``= ANY((SELECT %s::bigint[])::bigint[])``: the executor still descends the (bucket, descriptor)
    index once per digest, but the planner no longer estimates each of the ~1 600 constants of an
    ``IN`` list (5 ms of planning per search at 10k cases). The literal is written here, from
    integers, because the driver's list adapter checks every element's text for quoting (~5 ms
    of client CPU per search). Elsewhere a plain ``IN`` list."""

    lookup_name = "bucket_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        digests = [int(digest) for digest in self.rhs]
        if connection.vendor == "postgresql":
            return (f"{lhs} = ANY((SELECT %s::bigint[])::bigint[])",
                    [*lhs_params, "{" + ",".join(map(str, digests)) + "}"])
        if not digests:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(digests))})", [*lhs_params, *digests]


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
    # A keyed 64-bit digest of one LSH bucket (kyc.privacy.face_index): equal for equal buckets, nothing more.
    bucket = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["descriptor", "bucket"], name="one_face_bucket_per_descriptor")]
        # The search reads (bucket, descriptor) only: an index-only scan, no table rows visited.
        indexes = [models.Index(fields=["bucket", "descriptor"], name="face_bucket_descriptor")]

    def __str__(self) -> str:
        return f"face bucket of case {self.case_id}"
