"""Bank cards: Luhn, brand from the prefix, MM/YY expiry, and masking.

Only the masked number (first 6 and last 4 digits, ``411111******1111``) ever leaves this module:
vendor adapters call :func:`describe_card_number` on the raw number they received and store the
returned :class:`CardNumber`, whose fields hold no full number.

Public API:

- ``describe_card_number(raw: str) -> CardNumber | None`` masked number, brand, Luhn validity.
- ``brand_of(digits: str) -> str`` ``visa``, ``mastercard``, ``amex``, ``unionpay``, ``jcb``,
  ``discover``, ``diners``, ``maestro`` or ``unknown`` (works on a masked number's first 6 digits).
- ``parse_expiry(text: str) -> CardExpiry | None`` ``MM/YY`` (also ``MM/YYYY``, ``MM-YY``).
- ``is_masked_number(text: str) -> bool``.
- ``card_number_runs(text: str) -> list[re.Match]`` where card numbers stand in free text.
- ``mask_numbers_in_text(text: str) -> str`` every card-number-like run of digits in free text
  (an OCR line, a raw response) masked.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .emirates_id import luhn_valid

MASK_CHAR = "*"
_MASKED = re.compile(r"^\d{6}\*{2,9}\d{4}$")


@dataclass(frozen=True)
class CardNumber:
    masked: str  # first 6, stars, last 4
    brand: str
    luhn_valid: bool
    length: int

    def as_fields(self) -> dict[str, str]:
        """The canonical reading fields (see reading.py)."""
        return {
            "card_number_masked": self.masked,
            "card_brand": self.brand,
            "card_number_luhn": "valid" if self.luhn_valid else "invalid",
        }


def _digits(raw: str) -> str:
    return "".join(c for c in raw if c not in " -\u00a0\t")


def mask(digits: str) -> str:
    return digits[:6] + MASK_CHAR * (len(digits) - 10) + digits[-4:]


# 12 to 19 digits, possibly grouped by spaces or dashes (4-4-4-4, 4-6-5 ...), as OCR prints them.
_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d(?:[ \-\u00a0]?\d){11,18}(?!\d)")


def card_number_runs(text: str) -> list[re.Match]:
    """Every run of free text that could be a card number (12-19 digits, grouped or not)."""
    return list(_NUMBER_IN_TEXT.finditer(text))


def mask_numbers_in_text(text: str) -> str:
    """Mask every run that could be a card number, keeping its grouping (``4111 11** **** 1111``).

    Used on everything a reader kept besides its fields (the recognised lines of the embedded
    engine), so that no copy of a full number is stored with a reading.
    """

    def masked(match: re.Match) -> str:
        run = match.group(0)
        digit_positions = [i for i, c in enumerate(run) if c.isdigit()]
        hidden = set(digit_positions[6:-4])
        return "".join(MASK_CHAR if i in hidden else c for i, c in enumerate(run))

    return _NUMBER_IN_TEXT.sub(masked, text)


def describe_card_number(raw: object) -> CardNumber | None:
    """Mask a raw card number and say what can be known about it; None if it is not 12-19 digits.

    The raw number is not kept anywhere in the result.
    """
    if not isinstance(raw, str):
        return None
    digits = _digits(raw)
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return None
    return CardNumber(mask(digits), brand_of(digits), luhn_valid(digits), len(digits))


def is_masked_number(text: object) -> bool:
    return isinstance(text, str) and bool(_MASKED.match(text))


def brand_of(digits: str) -> str:
    """The card scheme from the issuer identification number (first digits)."""
    if len(digits) < 6 or not digits[:6].isdigit():
        return "unknown"
    p2, p4 = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":
        return "visa"
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:
        return "mastercard"
    if p2 in (34, 37):
        return "amex"
    if p2 == 62:
        return "unionpay"  # 622126-622925 are co-branded Discover; UnionPay is what is printed
    if p4 == 6011 or p2 == 65 or 644 <= int(digits[:3]) <= 649:
        return "discover"
    if 3528 <= p4 <= 3589:
        return "jcb"
    if p2 in (36, 38, 39) or 300 <= int(digits[:3]) <= 305:
        return "diners"
    if p2 in (50, 56, 57, 58) or digits[0] == "6":
        return "maestro"
    return "unknown"


@dataclass(frozen=True)
class CardExpiry:
    month: int
    year: int

    @property
    def last_day(self) -> date:
        """Cards are valid through the last day of the expiry month."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.month:02d}/{self.year % 100:02d}"


_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*[/\-.]\s*(\d{2}|\d{4})\s*$")


def parse_expiry(text: object) -> CardExpiry | None:
    """``MM/YY`` (also ``MM/YYYY``, ``MM-YY``, ``MM.YY``); None when it is not a real month."""
    if not isinstance(text, str):
        return None
    m = _EXPIRY.match(text)
    if not m:
        return None
    month, year = int(m[1]), int(m[2])
    if len(m[2]) == 2:
        year += 2000
    if not 1 <= month <= 12:
        return None
    return CardExpiry(month, year)
