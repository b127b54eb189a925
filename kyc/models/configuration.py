"""Site configuration that admins change at run time (thresholds, retention); one row."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ocr_integration.documents.kinds import SelfieRequirement, SupportingRequirement

_BANK_CARD_CHOICES = [
    (SupportingRequirement.NOT_ASKED.value, "Not asked"),
    (SupportingRequirement.OPTIONAL.value, "Optional"),
    (SupportingRequirement.REQUIRED.value, "Required"),
]
_SELFIE_CHOICES = [
    ("", "As the environment says (SELFIE_REQUIREMENT)"),
    (SelfieRequirement.NOT_ASKED.value, "Not asked"),
    (SelfieRequirement.REQUIRED.value, "Required"),
]


class SiteConfiguration(models.Model):
    """Thresholds for the automated checks and retention periods.

    An empty threshold means "use the value from the environment" (settings.CHECK_*), so a fresh
    install behaves as its settings say until an admin decides otherwise.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    min_confidence = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Readings below this confidence are flagged (0 to 1). Empty: CHECK_MIN_CONFIDENCE.",
    )
    expiry_warning_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(3650)],
        help_text="Warn when the document expires within this many days. Empty: CHECK_EXPIRY_WARNING_DAYS.",
    )
    minimum_age_years = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(120)],
        help_text="Applicants younger than this fail the age check. Empty: CHECK_MINIMUM_AGE_YEARS.",
    )
    # The instant quality gate at upload (kyc/uploads/capture_quality.py). Empty: its tested defaults.
    capture_sharpness_refuse = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(5.0)],
        help_text="Upload gate: photos whose print is less sharp than this are refused (default 0.16; higher refuses more).",
    )
    capture_glare_refuse = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.001), MaxValueValidator(1.0)],
        help_text="Upload gate: a burnt-out patch of light larger than this share of the photo is refused (default 0.035).",
    )
    capture_edge_lines_refuse = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Upload gate: this many printed lines running into the photo's edge mean the document is cut off (default 2).",
    )
    # A bank card as a supporting document (e.g. for account funding), per identity document type.
    bank_card_passport = models.CharField(
        max_length=10, choices=_BANK_CARD_CHOICES, default=SupportingRequirement.NOT_ASKED.value,
        help_text="Ask applicants who present a passport for a bank card too. Applies to cases started afterwards.",
    )
    bank_card_emirates_id = models.CharField(
        max_length=10, choices=_BANK_CARD_CHOICES, default=SupportingRequirement.NOT_ASKED.value,
        help_text="Ask applicants who present an Emirates ID for a bank card too. Applies to cases started afterwards.",
    )
    bank_card_cn_resident_id = models.CharField(
        max_length=10, choices=_BANK_CARD_CHOICES, default=SupportingRequirement.NOT_ASKED.value,
        help_text="Ask applicants who present a Chinese resident ID for a bank card too. "
                  "Applies to cases started afterwards.",
    )
    # A selfie and a liveness capture after the documents (issue 19), per identity document type.
    # Empty: settings.SELFIE_REQUIREMENT ("required" unless the environment says otherwise).
    selfie_passport = models.CharField(
        max_length=10, choices=_SELFIE_CHOICES, blank=True, default="",
        help_text="Ask applicants who present a passport for a selfie and a liveness check. "
                  "Applies to cases started afterwards.",
    )
    selfie_emirates_id = models.CharField(
        max_length=10, choices=_SELFIE_CHOICES, blank=True, default="",
        help_text="Ask applicants who present an Emirates ID for a selfie and a liveness check. "
                  "Applies to cases started afterwards.",
    )
    selfie_cn_resident_id = models.CharField(
        max_length=10, choices=_SELFIE_CHOICES, blank=True, default="",
        help_text="Ask applicants who present a Chinese resident ID for a selfie and a liveness check. "
                  "Applies to cases started afterwards.",
    )
    capture_open_sides_refuse = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(4)],
        help_text="Upload gate: a photo is refused as cut off when one side (up to this many) of the printed area has no document edge before the photo's edge (default 1; 0 turns the check off).",
    )
    capture_mrz_min_lines = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(3)],
        help_text="Upload gate: a passport page or Emirates ID back with fewer machine-readable lines found than this is refused as the wrong side (default 2; 0 only warns).",
    )
    # The gate's newer rules (issue 14 follow-up): too dark, too far away, edges running into the frame.
    capture_dark_refuse = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(255.0)],
        help_text="Upload gate: a photo whose brightest part (a page's white, grey level 0 to 255) is darker than this is refused as too dark (default 90; 0 turns the refusal off).",
    )
    capture_dark_warn = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(255.0)],
        help_text="Upload gate: a photo whose brightest part is darker than this (but not than the refusal level) is accepted with a warning (default 120; not below the refusal level; empty follows the refusal level up when that is set higher).",
    )
    capture_min_print_span = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0.0), MaxValueValidator(0.6)],
        help_text="Upload gate: a document whose print spans less than this share of the photo's width or height is refused as too far away (default 0.26; higher refuses more; 0 turns the check off).",
    )
    capture_edges_into_frame_refuse = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(2)],
        help_text="Upload gate: a photo is refused as cut off when this many of the document's edges beside its print run on into the photo's edge (default 2; 1 refuses more; 0 turns the check off). Empty: off when the open-sides check is 0.",
    )
    retention_approved_days = models.PositiveIntegerField(
        default=5 * 365, validators=[MinValueValidator(1)],
        help_text="Days to keep the images and personal data of an approved case after the decision.",
    )
    retention_rejected_days = models.PositiveIntegerField(
        default=5 * 365, validators=[MinValueValidator(1)],
        help_text="Days to keep the images and personal data of a rejected case after the decision.",
    )
    retention_abandoned_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1)],
        help_text="Days to keep a draft or a case waiting for resubmission that the applicant abandoned.",
    )
    retention_audit_days = models.PositiveIntegerField(
        default=10 * 365, validators=[MinValueValidator(365)],
        help_text="Days to keep audit events (they hold no personal values).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site configuration"
        verbose_name_plural = "site configuration"

    def __str__(self) -> str:
        return "Site configuration"

    # Fields whose changes are audited with before/after values (none of them is personal data).
    AUDITED_FIELDS = (
        "min_confidence", "expiry_warning_days", "minimum_age_years",
        "retention_approved_days", "retention_rejected_days", "retention_abandoned_days",
        "retention_audit_days", "capture_sharpness_refuse", "capture_glare_refuse", "capture_edge_lines_refuse",
        "bank_card_passport", "bank_card_emirates_id", "bank_card_cn_resident_id",
        "capture_open_sides_refuse", "capture_mrz_min_lines",
        "selfie_passport", "selfie_emirates_id", "selfie_cn_resident_id",
        "capture_dark_refuse", "capture_dark_warn", "capture_min_print_span", "capture_edges_into_frame_refuse",
    )

    def clean(self):
        # The warning band must lie above the refusal: a warn level below it would never show.
        from kyc.uploads.capture_quality import GateThresholds

        super().clean()
        if self.capture_dark_warn is not None:
            refuse = GateThresholds.dark_refuse if self.capture_dark_refuse is None else self.capture_dark_refuse
            if self.capture_dark_warn < refuse:
                raise ValidationError({"capture_dark_warn": (
                    f"The warning level ({self.capture_dark_warn:g}) must not be below the refusal level "
                    f"({refuse:g}): a photo darker than the refusal level is refused before any warning."
                )})
