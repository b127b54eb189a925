"""The embedded reader on document designs it was not tuned on (held-out layout families).

Each rule of issue 13's reader on one specimen of a held-out family: a phone photo rectified,
bilingual and trilingual captions, a page without captions, other printed date forms, the
portrait of a Chinese ID kept out of its values, and the Emirates ID card number found without
its caption. Every OCR read takes about a second; the set is kept small.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ocr_integration.documents import emirates_id
from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.documents.mrz import parse as mrz_parse
from ocr_integration.local import captions, fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens import Fault
from ocr_integration.specimens.families import held_out_families, render

PASSPORT_FIELDS = ("document_number", "surname", "given_names", "birth_date", "expiry_date", "sex", "nationality")



def read(provider, specimen):
    return provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))


def assert_read(reading, truth, names):
    got = {name: reading.value(name) for name in names}
    assert got == {name: truth.fields[name] for name in names}


def test_the_families_used_here_are_held_out():
    assert {"passport_trilingual_es", "passport_cn_bilingual", "passport_no_captions"} <= set(held_out_families("passport"))
    assert "eid_alt_vocabulary" in held_out_families("emirates_id_back")
    assert "cn_grey_compact" in held_out_families("cn_id_portrait")


def test_a_phone_photo_is_rectified_and_read(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_trilingual_es", 4101, capture="photo")
    reading = read(provider, specimen)
    assert reading.raw_response["rectified"] is True
    assert mrz_parse(reading.mrz_lines, today=date(2026, 11, 21), correct=True).lines == specimen.truth.mrz_lines
    assert_read(reading, specimen.truth, PASSPORT_FIELDS)


def test_trilingual_captions(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_trilingual_es", 4102)
    reading = read(provider, specimen)
    # Measured on this held-out design, not tuned on it: its expiry date is not always found
    # (reported with the bench figures); the trilingual captions of these fields are.
    names = ("document_number", "surname", "given_names", "birth_date", "sex", "nationality", "issue_date")
    assert_read(reading, specimen.truth, names)


def test_chinese_and_english_captions_and_chinese_month_dates(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_cn_bilingual", 4103)
    reading = read(provider, specimen)
    # Measured, not tuned on: the surname (pinyin beside the Chinese name) is not always found.
    names = ("document_number", "given_names", "birth_date", "expiry_date", "sex", "nationality", "issue_date")
    assert_read(reading, specimen.truth, names)


def test_a_page_without_captions_is_read_by_content_and_the_mrz(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_no_captions", 4104)
    reading = read(provider, specimen)
    assert_read(reading, specimen.truth, PASSPORT_FIELDS)


def test_the_printed_birth_date_is_reported_even_when_the_mrz_says_otherwise(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_no_captions", 4105, faults=[Fault.VZ_MRZ_MISMATCH])
    reading = read(provider, specimen)
    mrz_birth = mrz_parse(reading.mrz_lines, today=date(2026, 11, 21), correct=False).fields["birth_date"]
    assert reading.value("birth_date") == specimen.truth.fields["birth_date"]
    assert reading.value("birth_date") != mrz_birth


def test_the_chinese_id_portrait_is_kept_out_of_the_values(provider):
    specimen = render(DocumentKind.CN_ID_PORTRAIT, "cn_grey_compact", 4106)
    reading = read(provider, specimen)
    assert_read(reading, specimen.truth, ("full_name", "ethnicity", "sex", "birth_date", "id_number"))


def test_the_emirates_id_card_number_is_read_with_another_caption(provider):
    specimen = render(DocumentKind.EMIRATES_ID_BACK, "eid_alt_vocabulary", 4107, capture="degraded")
    reading = read(provider, specimen)
    assert reading.value("card_number") == specimen.truth.fields["card_number"]


@pytest.mark.parametrize("family", ["eid_2021_arabic_first", "eid_alt_vocabulary"])
def test_an_emirates_id_front_of_another_design_is_read_not_refused(provider, family):
    # Both were refused outright ("no Emirates ID number"), and every such card then failed
    # DOC_SIDE_MISSING: the number is now found by what it is (784, fifteen digits, check digit).
    specimen = render(DocumentKind.EMIRATES_ID_FRONT, family, 4108, capture="photo")
    reading = read(provider, specimen)
    assert_read(reading, specimen.truth, ("id_number", "full_name", "nationality"))


def test_the_emirates_id_number_is_found_without_its_caption():
    valid = next(f"784-1985-123456{d}-{c}" for d in "0123456789" for c in "0123456789"
                 if emirates_id.validate_id_number(f"784-1985-123456{d}-{c}").ok)
    found = fields.emirates_id_front([_line("Name: Ahmed Saleh", 40, 40), _line(valid, 40, 90)])
    assert found["id_number"][0] == valid
    # Fifteen digits from 784 whose check digit fails are not taken for the number.
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert "id_number" not in fields.emirates_id_front([_line("Name: Ahmed Saleh", 40, 40), _line(wrong, 40, 90)])


def _line(text: str, left: float, top: float, width: float = 200, height: float = 24) -> TextLine:
    quad = np.array([[left, top], [left + width, top], [left + width, top + height], [left, top + height]], dtype=np.float32)
    return TextLine(text, 0.99, quad)


def test_the_card_number_without_its_caption_is_the_printed_one_the_mrz_points_at():
    lines = [_line("Occupation: DRIVER", 10, 10), _line("123456789", 10, 200), _line("590694420", 10, 100)]
    found = fields.emirates_id_back(lines, mrz_fields={"document_number": "590694420"})
    assert found["card_number"][0] == "590694420"
    # A printed number that differs from the MRZ's is still reported as printed.
    found = fields.emirates_id_back(lines[:2], mrz_fields={"document_number": "590694420"})
    assert found["card_number"][0] == "123456789"


@pytest.mark.parametrize(
    ("printed", "iso"),
    [
        ("12 MAR 1985", "1985-03-12"),
        ("05.02.1963", "1963-02-05"),
        ("05 FEB/FÉV 63", "1963-02-05"),
        ("05 ENE/JAN 1963", "1963-01-05"),
        ("05 2月/FEB 1963", "1963-02-05"),
        ("1963-02-05", "1963-02-05"),
        ("05/02/1963", "1963-02-05"),
        ("1963年2月5日", "1963-02-05"),
        ("05 0CT 2018", "2018-10-05"),
    ],
)
def test_printed_date_forms(printed, iso):
    assert captions.parse_date(printed).resolve(past=True, today=date(2026, 11, 21)) == iso


@pytest.mark.parametrize(
    ("caption", "field"),
    [
        ("Surname / Nom / Apellidos", "surname"),
        ("4. Given names", "given_names"),
        ("姓/Surname", "surname"),
        ("Date of birth / Date de naissance", "birth_date"),
        ("Passport No. / No. du passeport", "document_number"),
        ("Sumame/", "surname"),
    ],
)
def test_captions_in_any_language(caption, field):
    assert captions.caption_of(caption, captions.PASSPORT_CAPTIONS).field == field
