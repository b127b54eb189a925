from django.conf import settings
from django.db import models

from kyc.core.encryption.fields import EncryptedTextField


class Decision(models.Model):
    """A reviewer's decision on a case, with the reasons that defend it."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        REQUEST_RESUBMISSION = "request_resubmission", "Ask for resubmission"

    case = models.ForeignKey("kyc.Case", on_delete=models.PROTECT, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The second, different senior reviewer when policy four-eyes applies.
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    class Status(models.TextChoices):
        FINAL = "final", "Final"
        AWAITING_SECOND = "awaiting_second", "Waiting for a second senior reviewer"
        DECLINED = "declined", "Declined by the second reviewer"

    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    # Policy four-eyes: an approval despite failed checks waits for a second senior reviewer.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.FINAL)
    # True when the reviewer approved although a check failed: the note is mandatory.
    is_override = models.BooleanField(default=False)
    second_note = EncryptedTextField(blank=True)
    second_reviewed_at = models.DateTimeField(null=True, blank=True)
    reason_codes = models.JSONField(default=list)
    note = EncryptedTextField(blank=True)  # reviewers' words may name the applicant
    # For resubmission: which document kinds the applicant must replace, and why (shown to them).
    requested_kinds = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.outcome} on {self.case_id}"
