"""A case's selfie face descriptor (encrypted) and its blind index entries (kyc.privacy.face_index).

Both are personal data (biometric): erased with the case (kyc.privacy.personal_data), never logged.
"""

from django.db import models
from django.db.models import Lookup

from kyc.core.encryption.fields import EncryptedTextField


class BucketIn(Lookup):
    """``BucketIn(F("bucket"), digests)``: the column is one of ``digests`` (integers).

    On PostgreSQL the digests go as one array literal behind a scalar sub-select,
    ``= ANY((SELECT %s::bigint[])::bigint[])``: the executor descends the (bucket) index once per
    digest, and the planner does not estimate each constant (it mattered for the LSH's 1 640
    digests per search: 5 ms of planning at 10k cases; the IVF probes 16 lists, 0.1 ms). The
    literal is written here, from integers, because the driver's list adapter checks every
    element's text for quoting. Elsewhere a plain ``IN`` list."""

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
    """A case's face descriptor in the blind index (kyc.privacy.face_index): one row per descriptor,
    under the keyed digest of its list (nearest centroid), with its masked sketch."""

    descriptor = models.ForeignKey(FaceDescriptor, on_delete=models.CASCADE, related_name="index_entries")
    # The case again, so that erasure finds the row by case (kyc.privacy.personal_data).
    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="+")
    # A keyed 64-bit digest of (centroid version, list number): equal for the same list, nothing more.
    bucket = models.BigIntegerField()
    # SKETCH_BITS bits of the descriptor, XORed with a keyed pad of the descriptor id: random bytes
    # without the search key.
    sketch = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["descriptor"], name="one_face_entry_per_descriptor")]
        # A search reads its probed lists' (descriptor, sketch): an index-only scan on PostgreSQL,
        # no table row visited (SQLite has no INCLUDE: a plain index on bucket there).
        indexes = [models.Index(fields=["bucket"], include=["descriptor", "sketch"], name="face_list_entries")]

    def __str__(self) -> str:
        return f"face index entry of case {self.case_id}"


class FaceCentroids(models.Model):
    """The k-means centroids the face index's lists are built on: one row (``CURRENT``), replaced
    whole by each retraining (kyc.services.faces.face_index_retrain), its ``version`` raised.

    Averages of real faces, so personal data: kept encrypted, decrypted by each process once per
    version. None is stored for k = 1 (under face_index.SINGLE_LIST_BELOW descriptors)."""

    CURRENT = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=CURRENT)
    version = models.PositiveIntegerField()
    k = models.PositiveIntegerField()
    # float32 k x 128, base64 (kyc.privacy.face_index.encode_centroids); empty for k = 1.
    centroids = EncryptedTextField(blank=True)
    trained_at = models.DateTimeField()
    # Descriptors when trained, and the highest descriptor id then: the retraining policy compares
    # both with now (growth, and erasures of faces that are in the averages).
    cases_counted = models.PositiveIntegerField()
    last_descriptor_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"face centroids version {self.version} (k={self.k})"
