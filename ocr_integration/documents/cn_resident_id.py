"""Chinese resident identity card (GB 11643-1999 number; validity rules of the Resident ID Card Law).

The 18-character number: 6-digit address code (its first two digits name the province), 8-digit
birth date ``YYYYMMDD``, 3-digit sequence (odd for men, even for women) and an ISO 7064 MOD 11-2
check character (``0``-``9`` or ``X``). 15-digit numbers are the first-generation format
(``YYMMDD`` birth date, no check character); those cards stopped being valid on 2013-01-01.

Validity period, printed on the national-emblem side: ``YYYY.MM.DD-YYYY.MM.DD`` or
``YYYY.MM.DD-长期`` (long-term). Its length depends on the age at issue: under 16, 5 years;
16-25, 10 years; 26-45, 20 years; 46 and over, long-term.

Public API (all functions never raise on bad text):

- ``check_character(first17: str) -> str`` (raises ``ValueError`` if not 17 digits).
- ``make_number(address_code, birth_date, sequence) -> str`` a valid 18-character number.
- ``validate_number(text, *, today) -> NumberResult``.
- ``parse_validity_period(text) -> ValidityPeriod | None``.
- ``check_validity(text, *, birth_date, today) -> ValidityResult``.
- ``expected_validity_years(age_at_issue) -> int | None`` (None = long-term).
- ``PROVINCES``: province code -> name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# GB 11643's check character is ISO 7064 MOD 11-2 (weights 2^k mod 11, 10 written X).
from stdnum.iso7064 import mod_11_2

# GB/T 2260 province-level codes (first two digits of the address code).
PROVINCES: dict[str, str] = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
    # Residence permits for Hong Kong, Macao and Taiwan residents use 81/82/83 address codes.
    "83": "台湾 (居住证)",
}

_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits of a GB 11643 number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the first 17 characters must be digits")
    return mod_11_2.calc_check_digit(first17)


def make_number(address_code: str, birth_date: date, sequence: int) -> str:
    """A valid 18-character number; ``sequence`` 0..999 (odd = male, even = female)."""
    body = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + check_character(body)


@dataclass(frozen=True)
class NumberResult:
    ok: bool
    number: str  # normalised (upper-case X, no spaces); "" when nothing usable was read
    legacy: bool = False  # a first-generation 15-digit number
    province_code: str = ""
    province: str = ""
    birth_date: date | None = None
    sex: str = ""  # "M" (odd sequence) / "F" (even), "" when unknown
    expected_check_character: str | None = None
    problems: tuple[Problem, ...] = ()


def _normalise(text: str) -> str:
    return "".join(text.translate(_FULLWIDTH).upper().split())


def validate_number(text: object, *, today: date) -> NumberResult:
    """All checks on the number alone: length, characters, check character, province, birth date."""
    if not isinstance(text, str) or not text.strip():
        return NumberResult(False, "", problems=(Problem("missing", "No ID number was read."),))
    number = _normalise(text)
    if len(number) == 15 and number.isdigit():
        born = _real_date(f"19{number[6:12]}")
        return NumberResult(
            False,
            number,
            legacy=True,
            province_code=number[:2],
            province=PROVINCES.get(number[:2], ""),
            birth_date=born,
            sex="M" if int(number[14]) % 2 else "F",
            problems=(
                Problem(
                    "legacy_15_digit",
                    "This is a 15-digit first-generation ID number. It has no check character, and"
                    " first-generation cards stopped being valid on 2013-01-01: ask for the current"
                    " 18-character card.",
                ),
            ),
        )
    if len(number) != 18:
        return NumberResult(
            False, number,
            problems=(Problem("length", f"The ID number has {len(number)} characters; it must have 18."),),
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return NumberResult(
            False, number,
            problems=(
                Problem("characters", "The ID number must be 17 digits followed by a digit or X."),
            ),
        )
    problems: list[Problem] = []
    expected = check_character(number[:17])
    if expected != number[17]:
        problems.append(
            Problem(
                "check_character",
                f"The check character is {number[17]} but the first 17 digits imply {expected}.",
            )
        )
    province_code = number[:2]
    if province_code not in PROVINCES:
        problems.append(
            Problem("province", f"The number starts with {province_code}, which is not a province code (GB/T 2260).")
        )
    born = _real_date(number[6:14])
    if born is None:
        problems.append(Problem("birth_date", f"The digits {number[6:14]} are not a real birth date."))
    elif born > today:
        problems.append(Problem("birth_date", f"The birth date in the number ({born.isoformat()}) is in the future."))
        born = None
    sex = "M" if int(number[14:17]) % 2 else "F"
    return NumberResult(
        not problems, number, False, province_code, PROVINCES.get(province_code, ""), born, sex,
        expected, tuple(problems),
    )


def _real_date(yyyymmdd: str) -> date | None:
    if len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        return None
    try:
        return date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None


# --- validity period -----------------------------------------------------------------------------

_DATE = r"(\d{4})\s*[.\-/年]?\s*(\d{1,2})\s*[.\-/月]?\s*(\d{1,2})\s*日?"
_PERIOD = re.compile(rf"^\s*{_DATE}\s*(?:-|－|—|–|~|至|到)\s*(?:{_DATE}|(长期|長期))\s*$")


@dataclass(frozen=True)
class ValidityPeriod:
    start: date
    end: date | None  # None: long-term (长期)

    @property
    def long_term(self) -> bool:
        return self.end is None


def parse_validity_period(text: object) -> ValidityPeriod | None:
    """``2015.03.01-2035.03.01`` / ``2015.03.01-长期`` (also ``-``, ``/`` or 年月日 separators)."""
    if not isinstance(text, str):
        return None
    m = _PERIOD.match(text.translate(_FULLWIDTH))
    if not m:
        return None
    try:
        start = date(int(m[1]), int(m[2]), int(m[3]))
        end = None if m[7] else date(int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        return None
    if end is not None and end <= start:
        return None
    return ValidityPeriod(start, end)


def expected_validity_years(age_at_issue: int) -> int | None:
    """Validity by age at issue (Resident ID Card Law, art. 5); None means long-term."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class ValidityResult:
    period: ValidityPeriod | None
    age_at_issue: int | None = None
    expected_years: int | None = None  # None with expected_long_term False: unknown
    expected_long_term: bool = False
    actual_years: int | None = None  # None with a long-term period
    consistent: bool | None = None  # None when it could not be judged (no birth date)
    expired: bool | None = None
    problems: tuple[Problem, ...] = ()


def check_validity(text: object, *, birth_date: date | None, today: date) -> ValidityResult:
    """Parse the validity period and judge its length against the age at issue and its end
    against ``today``."""
    period = parse_validity_period(text)
    if period is None:
        return ValidityResult(
            None,
            problems=(
                Problem(
                    "unreadable",
                    "The validity period could not be read as YYYY.MM.DD-YYYY.MM.DD or YYYY.MM.DD-长期.",
                ),
            ),
        )
    problems: list[Problem] = []
    actual = None
    if period.end is not None:
        actual = period.end.year - period.start.year
        same_day = (period.end.month, period.end.day) == (period.start.month, period.start.day)
        leap_edge = (period.start.month, period.start.day) == (2, 29) and (period.end.month, period.end.day) in (
            (2, 28), (3, 1),
        )
        if not (same_day or leap_edge):
            problems.append(
                Problem("not_anniversary", "The validity period does not end on the anniversary of its start.")
            )
            actual = None
    expired = None if period.end is None else period.end < today
    if birth_date is None or birth_date > period.start:
        if birth_date is not None:
            problems.append(Problem("issued_before_birth", "The validity period starts before the birth date."))
        return ValidityResult(period, actual_years=actual, expired=expired, problems=tuple(problems))
    age = age_on(birth_date, period.start)
    expected = expected_validity_years(age)
    if expected is None:
        consistent = period.end is None
    else:
        consistent = actual == expected
    if not consistent:
        wanted = "long-term" if expected is None else f"{expected} years"
        got = "long-term" if period.end is None else (f"{actual} years" if actual is not None else "an irregular length")
        problems.append(
            Problem(
                "length_for_age",
                f"The card was issued at age {age}, which calls for a validity of {wanted}; it shows {got}.",
            )
        )
    return ValidityResult(
        period, age, expected, expected is None, actual, consistent, expired, tuple(problems)
    )
