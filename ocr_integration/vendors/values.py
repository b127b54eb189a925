"""Vendor values made canonical, shared by the normalisers: dates, sex, MRZ lines, card numbers."""

from __future__ import annotations

import re
from datetime import date

from stdnum import luhn

_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 2, 1)),  # UAE cards print dd/mm/yyyy
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (3, 2, 1)),
]


def iso_date(value: str) -> str:
    """ISO ``YYYY-MM-DD`` when the printed date is unambiguous; otherwise the value as printed,
    so that the cross-checks flag it rather than us guessing."""
    text = value.strip().replace(" ", "")
    for pattern, (y, m, d) in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(y)), int(match.group(m)), int(match.group(d))).isoformat()
            except ValueError:
                return value.strip()
    return value.strip()


def sex_code(value: str) -> str:
    text = value.strip()
    upper = text.upper()
    # Emirates IDs print the sex in Arabic too: ذكر (male), أنثى / انثى (female).
    if upper in ("M", "MALE") or text == "ذكر":
        return "M"
    if upper in ("F", "FEMALE") or text in ("أنثى", "انثى"):
        return "F"
    if upper in ("X", "<"):
        return "X"
    return text  # 男 / 女 are kept as printed (canonical rule for Chinese IDs)


_MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")


def mrz_candidates(lines: list[str]) -> tuple[str, ...]:
    """Lines of text that look like an MRZ (TD1 30, TD2 36, TD3 44 characters), top to bottom."""
    found = []
    for line in lines:
        compact = line.replace(" ", "").upper().replace("«", "<")
        if len(compact) in (30, 36, 44) and _MRZ_CHARS.match(compact) and "<" in compact:
            found.append(compact)
    return tuple(found)


def luhn_valid(digits: str) -> bool:
    """``digits`` (digits only) pass the Luhn check (python-stdnum's, as the document checks use)."""
    return digits.isdigit() and luhn.is_valid(digits)


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or (len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits.startswith("62"):
        return "unionpay"
    return "unknown"


def mask_card(digits: str) -> str:
    return digits[:6] + "*" * max(0, len(digits) - 10) + digits[-4:] if len(digits) >= 10 else "*" * len(digits)
