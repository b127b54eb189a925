import uuid

from django.db import models


class Applicant(models.Model):
    """A person being onboarded. What they declare is compared with what their documents say."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    declared_full_name = models.CharField(max_length=200, blank=True)
    declared_birth_date = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # Never the name or email: this string lands in admin logs and error reports.
        return f"Applicant {str(self.id)[:8]}"
