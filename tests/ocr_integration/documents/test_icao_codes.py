"""ICAO state and organisation codes."""

from __future__ import annotations

import pytest

from ocr_integration.documents import icao_codes


def test_iso_list_is_complete_and_specials_are_present():
    assert len(icao_codes.ISO_3166_ALPHA3) == 249
    for code in ("D", "UTO", "EUE", "UNO", "UNA", "UNK", "XOM", "XXA", "XXB", "XXC", "XXX", "GBD", "GBN"):
        assert icao_codes.is_icao_code(code)
    assert icao_codes.is_icao_code("D<<")
    assert not icao_codes.is_icao_code("DE")
    assert not icao_codes.is_icao_code("GB")


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("India", "IND"), ("ind", "IND"), ("United Arab Emirates", "ARE"), ("UAE", "ARE"),
        ("Côte d’Ivoire", "CIV"), ("中国", "CHN"), ("Utopia", "UTO"), ("d", "D"), ("Stateless person", "XXA"),
    ],
)
def test_printed_country_to_code(printed, code):
    assert icao_codes.code_for_name(printed) == code


@pytest.mark.parametrize("printed", ["Narnia", "", None, "ZZZ"])
def test_unknown_country(printed):
    assert icao_codes.code_for_name(printed) is None
