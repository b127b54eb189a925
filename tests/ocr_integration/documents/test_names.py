"""Name transliteration and similarity."""

from __future__ import annotations

import pytest

from ocr_integration.documents import names


@pytest.mark.parametrize(
    ("printed", "mrz_form"),
    [
        ("Müller", "MUELLER"),
        ("Åsa Öberg", "AASA OEBERG"),
        ("Ærø", "AEROE"),
        ("Straße", "STRASSE"),
        ("O'Brien-Smith", "OBRIEN SMITH"),
        ("Þórunn", "THORUNN"),
        ("Łukasz", "LUKASZ"),
        ("Анна Ерикссон", "ANNA ERIKSSON"),
        ("Щукин", "SHCHUKIN"),
        ("José María", "JOSE MARIA"),
    ],
)
def test_icao_transliteration(printed, mrz_form):
    assert names.transliterate(printed) == mrz_form


def test_both_icao_forms_are_accepted():
    assert names.fold_variants("Müller") == {"MUELLER", "MULLER"}
    assert names.similarity("Müller", "MULLER") == 1.0
    assert names.similarity("Müller", "MUELLER") == 1.0


def test_similarity_ignores_order_case_and_spacing():
    assert names.similarity("Anna Maria Eriksson", "ERIKSSON ANNA MARIA") == 1.0
    assert names.similarity("anna-maria eriksson", "ERIKSSON ANNAMARIA") == 1.0


def test_a_space_lost_between_given_names_does_not_hide_a_surname_first_order():
    # The recogniser merged two given names on a serif Emirates ID front (tuning eid_serif_twocol);
    # the TD1 MRZ writes the surname first.
    assert names.similarity("YadadWafin Zanam", "ZANAM YADAD WAFIN") == 1.0
    assert names.similarity("YadadWafin Zanam", "SMITH JOHN PAUL") < 0.5


def test_similarity_scores_typos_and_different_people():
    assert 0.85 <= names.similarity("Anna Maria Eriksson", "ERIKSON ANNA MARIA") < 1.0
    assert names.similarity("Anna Maria Eriksson", "JOHN SMITH") < 0.5


def test_han_names_compare_character_by_character():
    assert names.similarity("张三", "张 三") == 1.0
    assert names.similarity("张三", "李四") == 0.0
    assert not names.comparable("张三", "ZHANG SAN")
    assert names.comparable("Анна", "ANNA")


def test_omitted_middle_name():
    assert names.omitted_components("Anna Eriksson", "ERIKSSON ANNA MARIA") == ["MARIA"]
    assert names.omitted_components("John Smith", "ERIKSSON ANNA MARIA") == []


def test_mrz_name_field_and_truncation():
    assert names.mrz_name("Eriksson", "Anna Maria", 30) == ("ERIKSSON<<ANNA<MARIA<<<<<<<<<<", False)
    field, truncated = names.mrz_name("Vanderbergenhausen", "Maximiliana Josephina", 30)
    assert truncated and len(field) == 30
