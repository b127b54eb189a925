"""Composing valid MRZ lines from fields (specimens, tests): ``build_td1`` ... ``build_mrvb``."""

from __future__ import annotations

from datetime import date

from ..names import mrz_name
from .layout import ALLOWED, FILLER, check_digit


def _yymmdd(d: date) -> str:
    return d.strftime("%y%m%d")


def _pad(value: str, width: int) -> str:
    cleaned = "".join(c for c in value.upper().replace(" ", FILLER) if c in ALLOWED)
    if len(cleaned) > width:
        raise ValueError(f"{value!r} does not fit in {width} characters")
    return cleaned.ljust(width, FILLER)


def _code(value: str) -> str:
    return _pad(value, 3)


def _number_and_optional(number: str, optional: str, opt_width: int) -> tuple[str, str, str]:
    """(9-character number field, check character, optional field) for TD1/TD2 numbers."""
    cleaned = _pad(number, len(number) or 1).rstrip(FILLER) if number else ""
    if len(cleaned) <= 9:
        return cleaned.ljust(9, FILLER), check_digit(cleaned.ljust(9, FILLER)), _pad(optional, opt_width)
    rest = cleaned[9:] + check_digit(cleaned)
    return cleaned[:9], FILLER, _pad(rest + FILLER + optional if optional else rest, opt_width)


def build_td3(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "P", personal_number: str = "") -> tuple[str, str]:
    """Two valid TD3 lines (passport). Names are transliterated per ICAO and truncated to fit."""
    return _build_two_line(44, True, True, **locals())


def build_mrva(*, document_number: str, surname: str, given_names: str, nationality: str,
               birth_date: date, sex: str, expiry_date: date, issuing_state: str,
               document_code: str = "V", personal_number: str = "") -> tuple[str, str]:
    """Two valid MRV-A visa lines (2x44, no composite check digit)."""
    return _build_two_line(44, False, False, **locals())


def build_td2(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "I", personal_number: str = "") -> tuple[str, str]:
    """Two valid TD2 lines; a document number over 9 characters continues in the optional data."""
    return _build_two_line(36, True, False, **locals())


def build_mrvb(*, document_number: str, surname: str, given_names: str, nationality: str,
               birth_date: date, sex: str, expiry_date: date, issuing_state: str,
               document_code: str = "V", personal_number: str = "") -> tuple[str, str]:
    """Two valid MRV-B visa lines (2x36, no composite check digit)."""
    return _build_two_line(36, False, False, **locals())


def _build_two_line(width: int, composite: bool, optional_check: bool, *, document_number: str,
                    surname: str, given_names: str, nationality: str, birth_date: date, sex: str,
                    expiry_date: date, issuing_state: str, document_code: str,
                    personal_number: str) -> tuple[str, str]:
    name_field, _ = mrz_name(surname, given_names, width - 5)
    line1 = _pad(document_code, 2) + _code(issuing_state) + name_field
    opt_width = width - 28 - (1 if composite else 0) - (1 if optional_check else 0)
    if width == 36 and composite:
        number, number_check, optional = _number_and_optional(document_number, personal_number, opt_width)
    else:
        number = _pad(document_number, 9)
        number_check = check_digit(number)
        optional = _pad(personal_number, opt_width)
    birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
    line2 = (
        number + number_check + _code(nationality) + birth + check_digit(birth)
        + (sex or FILLER) + expiry + check_digit(expiry) + optional
    )
    if optional_check:
        line2 += check_digit(optional) if personal_number else FILLER
    if composite:
        line2 += check_digit(line2[0:10] + line2[13:20] + line2[21:])
    return line1, line2


def build_td1(*, document_number: str, surname: str, given_names: str, nationality: str,
              birth_date: date, sex: str, expiry_date: date, issuing_state: str,
              document_code: str = "I", optional_data: str = "",
              optional_data_2: str = "") -> tuple[str, str, str]:
    """Three valid TD1 lines (ID card); a number over 9 characters continues in the optional data."""
    number, number_check, optional = _number_and_optional(document_number, optional_data, 15)
    line1 = _pad(document_code, 2) + _code(issuing_state) + number + number_check + optional
    birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
    line2 = (
        birth + check_digit(birth) + (sex or FILLER) + expiry + check_digit(expiry)
        + _code(nationality) + _pad(optional_data_2, 11)
    )
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    line3, _ = mrz_name(surname, given_names, 30)
    return line1, line2, line3
