"""Bank cards: masking, Luhn, brand, expiry."""

from __future__ import annotations

from datetime import date

import pytest

from ocr_integration.documents import bank_card


def test_only_the_masked_number_leaves_the_module():
    card = bank_card.describe_card_number("4111 1111 1111 1111")
    assert card.masked == "411111******1111"
    assert "4111111111111111" not in repr(card)
    assert card.as_fields() == {
        "card_number_masked": "411111******1111", "card_brand": "visa", "card_number_luhn": "valid",
    }


def test_luhn_failure_is_reported():
    assert bank_card.describe_card_number("4111111111111112").luhn_valid is False


@pytest.mark.parametrize("raw", ["", "1234", "4111-1111-1111-111a", None, "1" * 20])
def test_not_a_card_number(raw):
    assert bank_card.describe_card_number(raw) is None


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("5500000000000004", "mastercard"),
        ("2221000000000009", "mastercard"),
        ("2720990000000007", "mastercard"),
        ("2721000000000004", "unknown"),
        ("2220990000000008", "unknown"),
        ("378282246310005", "amex"),
        ("6212345678901232", "unionpay"),
        ("3530111333300000", "jcb"),
        ("6011111111111117", "discover"),
    ],
)
def test_brand_from_prefix(number, brand):
    assert bank_card.brand_of(number) == brand


@pytest.mark.parametrize(
    ("text", "last_day"),
    [("08/27", date(2027, 8, 31)), ("2/2028", date(2028, 2, 29)), ("12-30", date(2030, 12, 31))],
)
def test_expiry(text, last_day):
    assert bank_card.parse_expiry(text).last_day == last_day


@pytest.mark.parametrize("text", ["13/27", "0827", "", None, "aa/bb"])
def test_unreadable_expiry(text):
    assert bank_card.parse_expiry(text) is None



@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("4111 1111 1111 1111", "4111 11** **** 1111"),
        ("CARD 5105105105105100 VALID", "CARD 510510******5100 VALID"),
        ("3782-822463-10005", "3782-82****-*0005"),
        ("VALID THRU 03/30", "VALID THRU 03/30"),
        ("MEMBER SINCE 2019 0042", "MEMBER SINCE 2019 0042"),
    ],
)
def test_card_numbers_in_free_text_are_masked_and_nothing_else(line, masked):
    assert bank_card.mask_numbers_in_text(line) == masked
