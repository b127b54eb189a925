"""The site's policy for automated checks."""

from django.conf import settings

from ocr_integration.documents.crosschecks import CheckPolicy


def check_policy() -> CheckPolicy:
    return CheckPolicy(
        min_confidence=settings.CHECK_MIN_CONFIDENCE,
        expiry_warning_days=settings.CHECK_EXPIRY_WARNING_DAYS,
        minimum_age_years=settings.CHECK_MINIMUM_AGE_YEARS,
    )
