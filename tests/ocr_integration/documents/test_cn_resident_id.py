"""GB 11643 Chinese resident ID numbers and validity periods."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr_integration.documents import cn_resident_id as cn

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("number", "sex", "birth"),
    [
        ("11010519491231002X", "F", date(1949, 12, 31)),  # the GB 11643 example, check character X
        (cn.make_number("440305", date(2001, 2, 28), 7), "M", date(2001, 2, 28)),
        (cn.make_number("650102", date(1960, 1, 1), 100), "F", date(1960, 1, 1)),
    ],
)
def test_valid_numbers(number, sex, birth):
    result = cn.validate_number(number, today=TODAY)
    assert result.ok, result.problems
    assert result.sex == sex
    assert result.birth_date == birth


def test_lower_case_x_and_fullwidth_digits_are_accepted():
    assert cn.validate_number("11010519491231002x", today=TODAY).ok
    assert cn.validate_number("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).ok


def test_check_character():
    assert cn.check_character("11010519491231002") == "X"
    with pytest.raises(ValueError):
        cn.check_character("1101051949")


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "check_character"),
        ("1101051949123100", "length"),
        ("11010519491231002Y", "characters"),
        ("99" + cn.make_number("110105", date(1990, 1, 1), 1)[2:17], "province"),
        ("110105199002300011", "birth_date"),
        ("", "missing"),
    ],
)
def test_invalid_numbers(number, code):
    if code == "province":
        number += cn.check_character(number)
    if code == "birth_date":
        number = number[:17] + cn.check_character(number[:17])
    result = cn.validate_number(number, today=TODAY)
    assert not result.ok
    assert code in {p.code for p in result.problems}


def test_future_birth_date_in_the_number():
    number = cn.make_number("110105", date(2030, 1, 1), 1)
    assert "birth_date" in {p.code for p in cn.validate_number(number, today=TODAY).problems}


def test_legacy_15_digit_number_is_explained():
    result = cn.validate_number("110105491231002", today=TODAY)
    assert result.legacy and not result.ok
    assert result.birth_date == date(1949, 12, 31)
    assert "first-generation" in result.problems[0].message


@given(st.dates(min_value=date(1920, 1, 1), max_value=TODAY), st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_detected(birth, sequence, position, delta):
    number = cn.make_number("310104", birth, sequence)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not cn.validate_number(changed, today=TODAY).ok


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2015.03.01-2035.03.01", date(2015, 3, 1), date(2035, 3, 1)),
        ("2015.03.01-长期", date(2015, 3, 1), None),
        ("2015-03-01 至 2025-03-01", date(2015, 3, 1), date(2025, 3, 1)),
        ("20150301-20250301", date(2015, 3, 1), date(2025, 3, 1)),
    ],
)
def test_validity_period_forms(text, start, end):
    period = cn.parse_validity_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["", "2015.13.01-2035.03.01", "2035.03.01-2015.03.01", "长期", None])
def test_unreadable_validity_period(text):
    assert cn.parse_validity_period(text) is None


@pytest.mark.parametrize(
    ("birth", "period", "consistent"),
    [
        (date(2012, 6, 1), "2020.01.01-2025.01.01", True),  # 7 at issue: 5 years
        (date(2000, 6, 1), "2020.01.01-2030.01.01", True),  # 19: 10 years
        (date(1990, 6, 1), "2020.01.01-2040.01.01", True),  # 29: 20 years
        (date(1960, 6, 1), "2020.01.01-长期", True),  # 59: long-term
        (date(1990, 6, 1), "2020.01.01-2030.01.01", False),  # 29 with 10 years
        (date(2000, 6, 1), "2020.01.01-长期", False),
        (date(1960, 6, 1), "2020.01.01-2040.01.01", False),
        (date(2004, 1, 1), "2020.01.01-2030.01.01", True),  # exactly 16: 10 years
        (date(1994, 1, 2), "2020.01.01-2030.01.01", True),  # 25 the day before the 26th birthday
    ],
)
def test_validity_length_against_age_at_issue(birth, period, consistent):
    result = cn.check_validity(period, birth_date=birth, today=TODAY)
    assert result.consistent is consistent
    assert ("length_for_age" in {p.code for p in result.problems}) is (not consistent)


def test_validity_expired_and_not_anniversary():
    result = cn.check_validity("2010.01.01-2020.01.02", birth_date=date(1990, 1, 1), today=TODAY)
    assert result.expired is True
    assert "not_anniversary" in {p.code for p in result.problems}
