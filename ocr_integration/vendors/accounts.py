"""Where a vendor account's configuration comes from: settings (environment) or the database.

``settings.OCR_VENDOR_ACCOUNTS`` = ``"settings"`` (default: ``settings.OCR_VENDORS``, built from
environment variables) or ``"database"`` (the enabled ``VendorAccount`` row whose ``name`` is the
provider name, edited in the admin). Providers are built once per worker process, so a changed
row takes effect when the workers restart.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ..provider import ErrorClass, OcrError


def account_config(name: str) -> dict[str, Any]:
    if settings.OCR_VENDOR_ACCOUNTS == "database":
        from ..models import VendorAccount

        row = VendorAccount.objects.filter(name=name, enabled=True).first()
        if row is None:
            raise OcrError(ErrorClass.CONFIGURATION, f"No enabled OCR vendor account named {name!r} in the admin.",
                           code="not_configured")
        return from_row(row)
    config = dict(settings.OCR_VENDORS.get(name) or {})
    if not config:
        raise OcrError(ErrorClass.CONFIGURATION, f"No OCR vendor account named {name!r} is configured.",
                       code="not_configured")
    return config


def settings_of_row(row) -> dict[str, Any]:
    """The row's settings without its credentials (what ``vendors.checks`` judges)."""
    base = {"vendor": row.vendor, "endpoint": row.endpoint, "qps": row.qps}
    if row.vendor == "ctyun":
        return {**base, "clock_zone": row.clock_zone or "Asia/Shanghai"}
    return {**base, "region": row.region, "iam_endpoint": row.iam_endpoint, "project_id": row.project_id,
            "project_name": row.project_name, "auth_scheme": row.auth_scheme, "passport_api": row.passport_api}


def from_row(row) -> dict[str, Any]:
    base = {**settings_of_row(row), "access_key": row.credential_access_key, "secret_key": row.credential_secret_key}
    if row.vendor == "ctyun":
        return {**base, "app_key": row.credential_app_key}
    return {**base, "domain_name": row.credential_domain_name, "username": row.credential_username,
            "password": row.credential_password}
