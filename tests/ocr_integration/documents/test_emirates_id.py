"""Emirates ID number (784, Luhn) and the back TD1 MRZ."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocr_integration.documents import emirates_id, mrz

TODAY = date(2026, 11, 21)


def test_make_id_number_is_valid_and_formatted():
    number = emirates_id.make_id_number(1990, 1234567)
    assert number == "784-1990-1234567-6"
    assert emirates_id.validate_id_number(number).ok


@pytest.mark.parametrize(
    "text", ["784-1990-1234567-6", "784199012345676", " 784 1990 1234567 6 ", "٧٨٤-١٩٩٠-١٢٣٤٥٦٧-٦"]
)
def test_valid_numbers_in_the_forms_ocr_returns(text):
    result = emirates_id.validate_id_number(text)
    assert result.ok
    assert result.formatted == "784-1990-1234567-6"


def test_block_that_is_not_a_plausible_birth_year_is_still_valid():
    # The YYYY block is not necessarily the birth year: never fail on it.
    assert emirates_id.validate_id_number(emirates_id.make_id_number(0, 1)).ok
    assert emirates_id.validate_id_number(emirates_id.make_id_number(2099, 1)).ok


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("784-1990-1234567-0", "check_digit"),
        ("785-1990-1234567-4", "country_prefix"),
        ("784-1990-123456-6", "format"),
        ("784-199O-1234567-6", "format"),
        ("", "format"),
    ],
)
def test_invalid_numbers_say_why(text, code):
    result = emirates_id.validate_id_number(text)
    assert not result.ok
    assert code in {p.code for p in result.problems}


def test_non_string_input_is_a_finding_not_a_crash():
    assert not emirates_id.validate_id_number(None).ok


@given(st.integers(0, 9999), st.integers(0, 9_999_999), st.integers(0, 14), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_luhn_check(block, sequence, position, delta):
    digits = emirates_id.make_id_number(block, sequence).replace("-", "")
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    assert not emirates_id.luhn_valid(changed)


def _back(**kw):
    base = dict(
        document_code="IL", issuing_state="ARE", document_number="123456789",
        optional_data=emirates_id.make_id_number(1990, 1234567).replace("-", ""),
        surname="Al Mansouri", given_names="Fatima", nationality="ARE", birth_date=date(1990, 5, 17),
        sex="F", expiry_date=date(2029, 6, 1),
    )
    base.update(kw)
    return mrz.build_td1(**base)


def test_valid_back_mrz():
    result = emirates_id.parse_back_mrz(_back(), today=TODAY)
    assert result.ok
    assert result.card_number == "123456789"
    assert result.id_number.formatted == "784-1990-1234567-6"
    assert result.mrz.fields["surname"] == "AL MANSOURI"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"issuing_state": "OMN"}, "issuing_state"),
        ({"document_code": "P"}, "document_code"),
        ({"document_number": "12345678A"}, "card_number_format"),
        ({"optional_data": ""}, "id_number_missing"),
        ({"optional_data": "784199012345670"}, "id_number_invalid"),
    ],
)
def test_back_mrz_rules(kw, code):
    result = emirates_id.parse_back_mrz(_back(**kw), today=TODAY)
    assert code in {p.code for p in result.problems}
    assert not result.ok


def test_back_mrz_must_be_td1():
    td3 = mrz.build_td3(
        document_number="123456789", surname="A", given_names="B", nationality="ARE",
        birth_date=date(1990, 1, 1), sex="M", expiry_date=date(2030, 1, 1), issuing_state="ARE",
    )
    result = emirates_id.parse_back_mrz(td3, today=TODAY)
    assert [p.code for p in result.problems] == ["not_td1"]
