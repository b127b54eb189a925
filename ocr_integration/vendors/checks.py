"""Vendor-account configurations that the documents rule out, refused before any call is made.

# Reference: vendor-docs/README.md (CTyun clock zone; id-document never for G42);
# vendor-docs/003 (id-document: end of sale 2025-02-18); vendor-docs/001 §2.3 (G42 OCR in
# ae-ad-1: "Token-based authentication ... OCR ... in the UAE-Abu Dhabi region cannot be called").

One pure function, ``account_problems``, judges one account's settings (a dict shaped like
``settings.OCR_VENDORS[name]`` or ``accounts.from_row``); the Django system check (start-up),
``VendorAccount.clean`` (admin) and the clients' own ``check()`` all use it, so the three never
disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ctyun import signing as eop


@dataclass(frozen=True)
class Problem:
    field: str  # the setting at fault (an environment variable suffix or a model field name)
    message: str
    code: str  # a stable identifier (also the system check id suffix)
    refused: bool = True  # False: allowed, but the admin should know (a warning)


HUAWEI_STACK = ("huawei", "g42")
ID_DOCUMENT_DISCONTINUED = (
    "The id-document API (vendor-docs/003) is discontinued: end of sale 2025-02-18. "
    "passport_api=auto still routes the passports it lists there on this Huawei account; prefer 'passport'."
)


def account_problems(name: str, config: dict[str, Any]) -> list[Problem]:
    vendor = str(config.get("vendor") or "")
    problems: list[Problem] = []
    qps = config.get("qps", 0)
    if isinstance(qps, bool) or not isinstance(qps, int | float) or qps < 0:
        problems.append(Problem("qps", f"OCR account {name!r}: qps must be a number >= 0 (0 = no limit).", "qps"))
    if vendor == "ctyun":
        try:
            eop.clock_zone(str(config.get("clock_zone") or eop.DEFAULT_CLOCK_ZONE))
        except eop.ClockZoneError as exc:
            problems.append(Problem("clock_zone", f"OCR account {name!r}: {exc}.", "clock_zone"))
    if vendor in HUAWEI_STACK:
        passport_api = config.get("passport_api", "passport")
        if passport_api not in ("passport", "auto"):
            problems.append(Problem("passport_api", f"OCR account {name!r}: passport_api must be passport or auto.",
                                    "passport_api"))
        elif passport_api == "auto" and vendor == "g42":
            problems.append(Problem(
                "passport_api",
                f"OCR account {name!r} is a G42 account: passport_api=auto would send passports to the "
                "id-document API, which G42 does not offer (it is not in G42's endpoint list, and Huawei "
                "ended its sale on 2025-02-18). Use passport_api=passport.",
                "g42_id_document",
            ))
        elif passport_api == "auto":
            problems.append(Problem("passport_api", f"OCR account {name!r}: {ID_DOCUMENT_DISCONTINUED}",
                                    "id_document_discontinued", refused=False))
        if vendor == "g42" and config.get("auth_scheme") == "token":
            problems.append(Problem(
                "auth_scheme",
                f"OCR account {name!r} is a G42 account: its document says OCR in the UAE-Abu Dhabi region "
                "cannot be called with token-based authentication (vendor-docs/001 §2.3). Use auth_scheme=aksk.",
                "g42_token_auth",
            ))
    return problems


def refusals(name: str, config: dict[str, Any]) -> list[Problem]:
    return [p for p in account_problems(name, config) if p.refused]


def system_check(app_configs=None, **kwargs) -> list:
    """Django system check: every account in ``settings.OCR_VENDORS`` (accounts kept in the
    database are judged by ``VendorAccount.clean`` when saved, and by the client before a call)."""
    from django.conf import settings
    from django.core import checks

    found = []
    for name, config in settings.OCR_VENDORS.items():
        for problem in account_problems(name, config or {}):
            kind = checks.Error if problem.refused else checks.Warning
            found.append(kind(problem.message, hint=f"Setting {problem.field} of OCR account {name!r}.",
                              id=f"ocr_vendors.{problem.code}"))
    return found
