from django.db import models


class PendingFileDeletion(models.Model):
    """Stored files an erasure must still delete: a case's whole storage folder, or one file.

    Written in the erasure's transaction, so no erased case's files are ever forgotten: the delete
    is tried once the erasure commits and, while it fails (S3 down, a read-only disk), again by
    every retention run. The row goes when the delete succeeds; until then admins see it.
    """

    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="pending_file_deletions")
    # A file name, or a folder (a key prefix on S3) when it ends with "/".
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The error's class and its message: storage errors name keys and hosts, never personal data.
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "name"], name="one_pending_deletion_per_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.attempts} attempts)"

    @property
    def is_folder(self) -> bool:
        return self.name.endswith("/")
