"""The standards-library functions the generator uses.

The generator must print exactly what ``ocr_integration.documents`` will later verify, so it never
computes a check digit or composes an MRZ of its own.
"""

from __future__ import annotations

from ocr_integration.documents import cn_resident_id, emirates_id, mrz

build_td1 = mrz.build_td1
build_td3 = mrz.build_td3


def mrz_check_digit(text: str) -> str:
    """ICAO 9303 7-3-1 check digit of an MRZ field, as the character printed."""
    return mrz.check_digit(text)


def cn_check_character(first17: str) -> str:
    """GB 11643 check character (``0``-``9`` or ``X``) of the first 17 characters of a number."""
    return cn_resident_id.check_character(first17)


def luhn_check_digit(digits: str) -> str:
    """Luhn check digit to append to ``digits`` (Emirates ID numbers and bank cards)."""
    return emirates_id.luhn_check_digit(digits)
