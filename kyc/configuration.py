"""The site's policy for automated checks: the admin's site configuration, else the settings."""

from __future__ import annotations

from django.conf import settings

from ocr_integration.documents.crosschecks import CheckPolicy


def site_configuration():
    """The configuration row, or an unsaved one with the defaults when no admin has saved any."""
    from kyc.models import SiteConfiguration

    return SiteConfiguration.objects.filter(id=1).first() or SiteConfiguration(id=1)


def check_policy() -> CheckPolicy:
    config = site_configuration()

    def pick(value, default):
        return default if value is None else value

    return CheckPolicy(
        min_confidence=pick(config.min_confidence, settings.CHECK_MIN_CONFIDENCE),
        expiry_warning_days=pick(config.expiry_warning_days, settings.CHECK_EXPIRY_WARNING_DAYS),
        minimum_age_years=pick(config.minimum_age_years, settings.CHECK_MINIMUM_AGE_YEARS),
    )
