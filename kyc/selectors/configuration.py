"""The site's policy for automated checks: the admin's site configuration, else the settings."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from kyc.uploads.capture_quality import GateThresholds
from ocr_integration.documents.crosschecks import CheckPolicy
from ocr_integration.documents.kinds import DocumentType


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


def bank_card_requirement(document_type: str) -> str:
    """Whether a case of this document type starts asking for a bank card (the admin's choice)."""
    return getattr(site_configuration(), f"bank_card_{DocumentType(document_type).value}")


def selfie_requirement(document_type: str) -> str:
    """Whether a case of this document type starts asking for a selfie: the admin's choice, else the
    environment's (settings.SELFIE_REQUIREMENT)."""
    chosen = getattr(site_configuration(), f"selfie_{DocumentType(document_type).value}")
    return chosen or settings.SELFIE_REQUIREMENT


def capture_thresholds() -> GateThresholds:
    """The upload quality gate's thresholds: the admin's where set, the tested defaults otherwise."""
    config = site_configuration()
    defaults = GateThresholds()
    chosen = {
        "sharpness_refuse": config.capture_sharpness_refuse,
        "glare_refuse": config.capture_glare_refuse,
        "edge_lines_refuse": config.capture_edge_lines_refuse,
        "open_sides_refuse": config.capture_open_sides_refuse,
        "mrz_min_lines": config.capture_mrz_min_lines,
        "dark_refuse": config.capture_dark_refuse,
        "dark_warn": config.capture_dark_warn,
        "min_print_span": config.capture_min_print_span,
        "edges_into_frame_refuse": config.capture_edges_into_frame_refuse,
    }
    changed = {name: value for name, value in chosen.items() if value is not None}
    if "sharpness_refuse" in changed:  # keep the warning band above the refusal
        changed["sharpness_warn"] = max(defaults.sharpness_warn, changed["sharpness_refuse"] * 1.5)
    if "glare_refuse" in changed:
        changed["glare_warn"] = min(defaults.glare_warn, changed["glare_refuse"] / 2)
    if "dark_refuse" in changed and "dark_warn" not in changed:  # the warning band starts at the refusal
        changed["dark_warn"] = max(defaults.dark_warn, changed["dark_refuse"])
    if changed.get("open_sides_refuse") == 0 and "edges_into_frame_refuse" not in changed:
        # "0 turns the check off" meant both checks of the document's edges before the latter had
        # its own field; an admin's own choice for it wins.
        changed["edges_into_frame_refuse"] = 0
    return replace(defaults, **changed)
