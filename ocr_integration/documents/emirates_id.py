"""Emirates ID (UAE identity card): the 784 number and the TD1 MRZ on the back.

The number is ``784-YYYY-NNNNNNN-C``: 784 (the UAE's ISO numeric code), a four-digit block,
a seven-digit sequence and a Luhn check digit over the 14 digits before it. The YYYY block is
often the holder's birth year but not always (it can be the year of registration), so it is never
compared with the birth date.

The back carries a TD1 MRZ: document code starting with ``I``, issuing state ``ARE``, the 9-digit
card number in the document number field, the 15-digit 784 number in the optional data.

Public API:

- ``luhn_check_digit(digits: str) -> str`` the Luhn digit to append to ``digits``.
- ``luhn_valid(digits: str) -> bool``.
- ``make_id_number(block: str | int, sequence: str | int) -> str`` a valid ``784-YYYY-NNNNNNN-C``.
- ``validate_id_number(text) -> IdNumberResult`` (never raises).
- ``parse_back_mrz(text_or_lines, *, today, correct=True) -> BackMrzResult`` (never raises).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from stdnum import luhn

from . import mrz

_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) digit that makes ``digits + digit`` valid. ``digits`` must be digits."""
    return luhn.calc_check_digit(digits)


def luhn_valid(digits: str) -> bool:
    """True if ``digits`` (digits only, at least 2) passes the Luhn check."""
    # python-stdnum's luhn also accepts other alphabets: only digits are a card or ID number here.
    return len(digits) >= 2 and digits.isdigit() and luhn.is_valid(digits)


def format_id_number(digits: str) -> str:
    return f"{digits[:3]}-{digits[3:7]}-{digits[7:14]}-{digits[14:]}"


def make_id_number(block: str | int, sequence: str | int) -> str:
    """A valid Emirates ID number ``784-<block>-<sequence>-<check>``."""
    body = f"784{int(block):04d}{int(sequence):07d}"
    if len(body) != 14:
        raise ValueError("block must have 4 digits and sequence 7")
    return format_id_number(body + luhn_check_digit(body))


@dataclass(frozen=True)
class IdNumberResult:
    ok: bool
    digits: str  # the 15 digits as read ("" when there are not 15)
    formatted: str  # 784-YYYY-NNNNNNN-C, "" when there are not 15 digits
    expected_check_digit: str | None = None
    problems: tuple[Problem, ...] = ()


def validate_id_number(text: object) -> IdNumberResult:
    """Check an Emirates ID number as read (dashes, spaces and Arabic-Indic digits tolerated)."""
    if not isinstance(text, str):
        return IdNumberResult(False, "", "", None, (Problem("format", "No ID number was read."),))
    cleaned = "".join(text.translate(_ARABIC_INDIC).replace("-", "").split())
    if len(cleaned) != 15 or not cleaned.isdigit():
        return IdNumberResult(
            False, "", "", None,
            (Problem("format", "The ID number is not 15 digits (784-YYYY-NNNNNNN-C)."),),
        )
    problems = []
    if not cleaned.startswith("784"):
        problems.append(Problem("country_prefix", "The ID number does not start with 784, the UAE's code."))
    expected = luhn_check_digit(cleaned[:14])
    if expected != cleaned[14]:
        problems.append(
            Problem(
                "check_digit",
                f"The ID number's check digit is {cleaned[14]} but its other digits imply {expected}.",
            )
        )
    return IdNumberResult(not problems, cleaned, format_id_number(cleaned), expected, tuple(problems))


@dataclass(frozen=True)
class BackMrzResult:
    mrz: mrz.MrzResult
    card_number: str  # the MRZ document number field
    id_number: IdNumberResult | None  # from the optional data, when present
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.mrz.valid and not self.problems


def parse_back_mrz(text_or_lines: str | Iterable[str], *, today: date, correct: bool = True) -> BackMrzResult:
    """Parse the back MRZ and apply the Emirates ID rules on top of ICAO's. Never raises."""
    return check_back_mrz(mrz.parse(text_or_lines, today=today, correct=correct))


def check_back_mrz(result: mrz.MrzResult) -> BackMrzResult:
    """The Emirates ID rules applied to an already parsed MRZ."""
    problems: list[Problem] = []
    if result.format != "TD1":
        problems.append(
            Problem("not_td1", f"The back MRZ should be TD1 (3 lines of 30), found {result.format or 'no MRZ'}.")
        )
        return BackMrzResult(result, "", None, tuple(problems))
    fields = result.fields
    if not fields["document_code"].startswith("I"):
        problems.append(Problem("document_code", f"Document code '{fields['document_code']}' does not start with I."))
    if fields["issuing_state"] != "ARE":
        problems.append(Problem("issuing_state", f"Issuing state is '{fields['issuing_state']}', not ARE."))
    card_number = fields["document_number"]
    if len(card_number) != 9 or not card_number.isdigit():
        problems.append(Problem("card_number_format", "The card number in the MRZ is not 9 digits."))
    optional = fields["optional_data"]
    id_result = None
    if not optional:
        problems.append(Problem("id_number_missing", "The MRZ optional data does not carry the 784 ID number."))
    else:
        id_result = validate_id_number(optional)
        if not id_result.ok:
            problems.append(
                Problem(
                    "id_number_invalid",
                    "The 784 ID number in the MRZ is invalid: " + " ".join(p.message for p in id_result.problems),
                )
            )
    return BackMrzResult(result, card_number, id_result, tuple(problems))
