"""What reviewers add to a case: notes, and the configurable list of reason codes they decide with."""

from django.conf import settings
from django.db import models

from kyc.core.encryption.fields import EncryptedTextField


class ReasonCode(models.Model):
    """A reason a reviewer can give for a decision; the list is kept by admins, never hard-coded."""

    class AppliesTo(models.TextChoices):
        ANY = "any", "Any decision"
        APPROVE = "approve", "Approval"
        REJECT = "reject", "Rejection"
        REQUEST_RESUBMISSION = "request_resubmission", "Request for resubmission"

    code = models.SlugField(max_length=60, unique=True, help_text="Stable identifier used in exports and metrics")
    label = models.CharField(max_length=200)
    applies_to = models.CharField(max_length=30, choices=AppliesTo.choices, default=AppliesTo.ANY)
    is_active = models.BooleanField(default=True, help_text="Retired codes stay on past decisions")
    position = models.PositiveSmallIntegerField(default=100)
    # What a rejected applicant reads about this reason, in each applicant language (issue 14).
    # Empty English text: the reason is not shown to applicants; an empty translation: English.
    applicant_text = models.TextField(
        blank=True, help_text="Shown to a rejected applicant (English). Say what was wrong and what they can do; empty: not shown."
    )
    applicant_text_ar = models.TextField(blank=True, help_text="The same text in Arabic. Empty: the English text.")
    applicant_text_zh_hans = models.TextField(blank=True, help_text="The same text in Simplified Chinese. Empty: the English text.")

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code}: {self.label}"

    def applies(self, outcome: str) -> bool:
        return self.applies_to in (self.AppliesTo.ANY, outcome)

    def applicant_text_in(self, language: str) -> str:
        """The applicant-facing text in ``language`` (a Django language code), English where it
        has no translation; "" when the reason is not for applicants' eyes."""
        translated = {"ar": self.applicant_text_ar, "zh-hans": self.applicant_text_zh_hans}.get(language, "")
        return (translated or self.applicant_text).strip() if self.applicant_text.strip() else ""


class CaseNote(models.Model):
    """A reviewer's note on a case. Append-only: a correction is a new note."""

    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()  # encrypted at rest: notes name people and numbers
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note {self.pk} on case {self.case_id}"


class CaseSearchDigest(models.Model):
    """A keyed digest (kyc.privacy.blind_index) of a name or document number of a case, so that a reviewer
    can search for it without the encrypted values ever being decrypted in bulk."""

    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="search_digests")
    field = models.CharField(max_length=20)  # name | document_number
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "field", "digest"], name="one_search_digest")]
        indexes = [
            # A search for a common name (10 000 cases at 100 000) reads the cases' ids from the
            # index alone instead of one heap row per match (it replaces the digest-only index).
            models.Index(fields=["digest"], include=["case"], name="search_digest_case"),
        ]

    def __str__(self) -> str:
        return f"{self.field} digest of case {self.case_id}"
