"""The reader's sixth round: a birth date chosen among the printed dates by what is possible, the
Chinese ID's printed sex found whatever its caption was read as, and a name under its caption
spelled like the MRZ preferred over another script's word read as Latin capitals.

The classes were reproduced on tuning material (a tuning Chinese ID family with only its label
font changed to serif: 性别 read as 性別; lines laid out as a tilted Emirates ID front with two
dates on a row); the tests then check the rules on held-out specimens too. One OCR read per
specimen at most.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import numpy as np
import pytest

from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.findings import Outcome
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import capture as family_capture
from ocr_integration.specimens.families import cn_id, held_out_families, render, tuning_families
from tests.support.shared import computed_once_per_run

TODAY = date(2026, 11, 21)
HELD_OUT_EID = "eid_2021_arabic_first"
HELD_OUT_CN = "cn_serif_labels"
TUNING_CN = "cn_serif_values"


def _box(text: str, left: float, top: float, *, width: float = 160, height: float = 22, slope: float = 0.0) -> TextLine:
    quad = [[left, top], [left + width, top + slope * width], [left + width, top + slope * width + height], [left, top + height]]
    return TextLine(text, 0.97, np.array(quad, dtype=np.float32))


def test_the_families_used_here_are_where_they_are_said_to_be():
    assert HELD_OUT_EID in held_out_families("emirates_id_front")
    assert HELD_OUT_CN in held_out_families("cn_id_portrait")
    assert TUNING_CN in tuning_families("cn_id_portrait")


# ``provider`` is the session's engine, warmed once per test process (conftest.py): a module-scoped
# one here warmed it again in every worker that ran this module (~1-2 s of CPU each).


def _read_with_lines(provider, image: bytes, media_type: str, kind: DocumentKind):
    """The reading and the recognised lines the fields were found among."""
    from ocr_integration.local import provider as local

    captured = {}
    original = local._visual_fields

    def capture(kind, page, today, mrz_fields):
        captured["lines"] = list(page.lines)
        return original(kind, page, today, mrz_fields)

    local._visual_fields = capture
    try:
        reading = provider.read(ReadRequest(kind, image, media_type))
    finally:
        local._visual_fields = original
    return reading, captured["lines"]


# --- a birth date among several printed dates ----------------------------------------------------


def _tilted_front(expiry_on_birth_row: bool) -> list[TextLine]:
    """An Emirates ID front with the birth and expiry dates side by side, as a photo tilts it: the
    birth caption's box slants down to the right, so the row the reader follows from it runs
    into the expiry value printed beside the birth date."""
    return [
        _box("ID Number: 784-1963-1234567-1", 100, 20, width=420),
        _box("Name: AHMED SALEH", 100, 60, width=300),
        _box("Date of Birth", 100, 100, slope=0.12 if expiry_on_birth_row else 0.0),
        _box("Expiry Date", 400, 112),
        _box("05/02/1963", 100, 126),
        _box("29/09/2029", 400, 140),
        _box("Issuing Date", 100, 190),
        _box("30/09/2024", 100, 216),
    ]


def test_the_expiry_date_on_the_birth_date_row_is_not_taken_for_the_birth_date():
    assert fields.emirates_id_front(_tilted_front(False), today=TODAY)["birth_date"][0] == "1963-02-05"
    found = fields.emirates_id_front(_tilted_front(True), today=TODAY)
    # Before this round: birth date 2029-09-29, the expiry date, and a false VIZ_MRZ_BIRTH_DATE fail.
    assert found["birth_date"][0] == "1963-02-05"
    assert found["expiry_date"][0] == "2029-09-29"
    assert found["issue_date"][0] == "2024-09-30"


def test_no_birth_date_is_taken_when_no_printed_date_can_be_one():
    lines = [_box("Date of Birth: 29/09/2029", 100, 100, width=320), _box("Expiry Date: 29/09/2029", 100, 140, width=320)]
    found = fields.emirates_id_front(lines, today=TODAY)
    assert found["expiry_date"][0] == "2029-09-29"
    # Not read, so the checks say the birth date was not compared instead of failing it.
    assert "birth_date" not in found


def test_the_mrz_says_which_possible_date_is_the_birth_date_and_never_changes_one():
    line = _box("x", 0, 0)
    dates = [("2029-09-29", 0.9, line), ("1963-02-05", 0.9, line), ("1971-03-03", 0.9, line), ("2024-09-30", 0.9, line)]
    assert not fields.is_possible_birth_date("2029-09-29", today=TODAY, issue="2024-09-30", expiry="2029-09-29")
    pick = fields.birth_date_instead(dates, today=TODAY, issue="2024-09-30", expiry="2029-09-29", mrz_birth="1971-03-03")
    assert pick[0] == "1971-03-03"
    # Without the MRZ: the earliest possible one.
    assert fields.birth_date_instead(dates, today=TODAY, expiry="2029-09-29")[0] == "1963-02-05"
    # A possible birth date is kept even when it is not the MRZ's: that difference is for the checks.
    assert fields.is_possible_birth_date("1963-02-05", today=TODAY)
    # Born today is possible; tomorrow is not, nor on the day of issue; with nothing else printed,
    # no birth date is taken.
    assert fields.is_possible_birth_date("2026-11-21", today=TODAY)
    assert not fields.is_possible_birth_date("2026-11-22", today=TODAY)
    assert not fields.is_possible_birth_date("2024-09-30", today=TODAY, issue="2024-09-30")
    assert fields.birth_date_instead([], today=TODAY) is None


def test_a_passport_birth_date_caption_led_to_the_expiry_date_takes_the_printed_date_the_mrz_names():
    lines = [
        _box("Date of birth", 100, 100), _box("29 SEP 2029", 300, 100),
        _box("05 FEB 1963", 100, 160), _box("Date of expiry", 100, 220), _box("29 SEP 2029", 100, 246),
    ]
    found = fields.passport(lines, today=TODAY, mrz_fields={"birth_date": "1963-02-05", "expiry_date": "2029-09-29"})
    assert found["birth_date"][0] == "1963-02-05"
    assert found["expiry_date"][0] == "2029-09-29"


def test_a_chinese_id_birth_date_after_today_is_not_the_birth_date():
    lines = [_box("出生 2031年2月5日", 100, 100, width=300)]
    assert "birth_date" not in fields.cn_id_portrait(lines, today=TODAY)


@pytest.fixture(scope="module")
def held_out_front(provider):
    # Read by one worker of the run, not by each worker that takes a test of this module.
    def read():
        specimen = render(DocumentKind.EMIRATES_ID_FRONT, HELD_OUT_EID, 6600, capture="photo")
        reading, lines = _read_with_lines(provider, specimen.image, specimen.media_type, specimen.kind)
        return specimen, reading, lines

    return computed_once_per_run(f"read-with-lines-{HELD_OUT_EID}-6600-photo", read)


def _raised(line: TextLine, to: TextLine) -> TextLine:
    """``line`` moved up onto the row of ``to`` (what a tilt does to the next column)."""
    return dataclasses.replace(line, quad=line.quad + np.array([0.0, to.cy - line.cy], dtype=np.float32))


def test_a_held_out_photo_front_reads_its_three_dates(held_out_front):
    specimen, reading, _ = held_out_front
    for name in ("birth_date", "issue_date", "expiry_date"):
        assert reading.fields[name].value == specimen.truth.fields[name]


def test_a_held_out_front_with_its_expiry_value_on_the_birth_caption_row_keeps_the_birth_date(held_out_front):
    specimen, _, lines = held_out_front
    truth = specimen.truth.fields
    caption = next(line for line in lines if "Birth" in line.text)
    expiry = next(line for line in lines if fields.printed_date(line.text, past=False) == truth["expiry_date"])
    misled = [_raised(line, caption) if line is expiry else line for line in lines]
    found = fields.emirates_id_front(misled, today=TODAY)
    assert found["birth_date"][0] == truth["birth_date"]


def test_a_held_out_card_with_both_sides_passes_the_birth_date_check(provider, held_out_front):
    specimen, front, _ = held_out_front
    back = render(DocumentKind.EMIRATES_ID_BACK, HELD_OUT_EID, 6600, capture="photo")
    back_reading = provider.read(ReadRequest(back.kind, back.image, back.media_type))
    findings = check_case(CaseReadings(DocumentType.EMIRATES_ID, [front, back_reading]), today=TODAY, policy=CheckPolicy())
    birth = next(f for f in findings if f.code == "VIZ_MRZ_BIRTH_DATE")
    assert birth.outcome == Outcome.PASS


# --- Chinese ID printed sex ---------------------------------------------------------------------


def test_the_sex_is_read_beside_a_traditional_form_of_its_label():
    # What the recogniser made of a serif 性别 on a tuning family with serif labels.
    found = fields.cn_id_portrait([_box("性別男", 100, 100), _box("民族土家", 300, 100)], today=TODAY)
    assert found["sex"][0] == "男"
    assert found["ethnicity"][0] == "土家"


def test_a_lone_sex_on_the_ethnicity_row_is_read_whatever_its_label_was_read_as():
    found = fields.cn_id_portrait([_box("牲剂女", 100, 100), _box("民族汉", 300, 100)], today=TODAY)
    assert found["sex"][0] == "女"
    found = fields.cn_id_portrait([_box("女", 150, 100, width=30), _box("民族汉", 300, 100)], today=TODAY)
    assert found["sex"][0] == "女"


def test_a_sex_character_elsewhere_or_twice_on_the_row_is_no_reading():
    number = "110101199003074512"  # a valid number whose sequence digit says male
    lines = [_box("民族汉", 300, 100), _box("住址 男", 100, 200), _box(number, 200, 400, width=400)]
    found = fields.cn_id_portrait(lines, today=TODAY)
    assert found["id_number"][0] == number
    # Never the number's sex: the checks must be able to see a card printing the other one.
    assert "sex" not in found
    two = [_box("牲男", 100, 100), _box("女", 200, 100, width=30), _box("民族汉", 300, 100)]
    assert "sex" not in fields.cn_id_portrait(two, today=TODAY)


def _serif_labelled_tuning_card(seed: int):
    """A tuning family's portrait side with only its label face changed to serif."""
    style = dataclasses.replace(cn_id.STYLES[TUNING_CN][0], label_face="cjk_serif")
    image, truth = cn_id.portrait_side(style, seed, frozenset(), random.Random(f"variant:{TUNING_CN}:cjk_serif:{seed}"))
    data, media_type = family_capture.CAPTURE_FUNCTIONS["clean"](image, random.Random(seed))
    return data, media_type, truth


def test_a_tuning_card_with_serif_labels_has_its_sex_read(provider):
    # Seed 7008 is one of the two of 30 whose label came back 性別 before this round (sex not read).
    data, media_type, truth = _serif_labelled_tuning_card(7008)
    reading = provider.read(ReadRequest(DocumentKind.CN_ID_PORTRAIT, data, media_type))
    assert reading.fields["sex"].value == truth.fields["sex"]


@pytest.mark.parametrize("seed", [6602, 6603])
def test_held_out_serif_labelled_cards_have_their_printed_sex_compared_with_the_number(provider, seed):
    portrait = render(DocumentKind.CN_ID_PORTRAIT, HELD_OUT_CN, seed)
    emblem = render(DocumentKind.CN_ID_EMBLEM, HELD_OUT_CN, seed)
    readings = [provider.read(ReadRequest(s.kind, s.image, s.media_type)) for s in (portrait, emblem)]
    assert readings[0].fields["sex"].value == portrait.truth.fields["sex"]
    findings = check_case(CaseReadings(DocumentType.CN_RESIDENT_ID, readings), today=TODAY, policy=CheckPolicy())
    assert {f.code: f.outcome for f in findings}["CN_ID_SEX"] == Outcome.PASS


# --- a name under its caption spelled like the MRZ -----------------------------------------------


def _name_row(value_beside: str) -> list[TextLine]:
    return [_box("Surname", 100, 100), _box("JOWS", 100, 126, width=80), _box(value_beside, 260, 126, width=200)]


def test_a_latin_name_beside_another_scripts_word_read_as_capitals_is_the_surname():
    found = fields.passport(_name_row("ALMANSOORI"), today=TODAY, mrz_fields={"surname": "ALMANSOORI"})
    assert found["surname"][0] == "ALMANSOORI"


def test_a_printed_surname_that_differs_from_the_mrz_is_kept_as_printed():
    # Nothing on the row is spelled like the MRZ name: the caption's value stays, the checks see it.
    found = fields.passport(_name_row("BAKER"), today=TODAY, mrz_fields={"surname": "ALMANSOORI"})
    assert found["surname"][0] != "ALMANSOORI"
    # A one-letter misread of the MRZ name under the caption is not replaced either.
    lines = [_box("Surname", 100, 100), _box("ALMANSQORI", 100, 126, width=200), _box("ALMANSOORI", 400, 126)]
    assert fields.passport(lines, today=TODAY, mrz_fields={"surname": "ALMANSOORI"})["surname"][0] == "ALMANSQORI"


# --- the earliest date an Emirates ID front prints ----------------------------------------------


def _front_with_dates_on_shifted_rows() -> list[TextLine]:
    """Birth and expiry side by side, issue below; the captions paired with the wrong rows (the
    birth caption led to the issue date, the issue caption to the expiry date)."""
    return [
        _box("Date of Birth: 11/04/2025", 100, 100, width=320),
        _box("15/03/1992", 100, 150),
        _box("Issuing Date: 10/04/2030", 100, 200, width=320),
    ]


def test_an_unclaimed_earlier_date_is_the_birth_date_not_the_captioned_later_one():
    found = fields.emirates_id_front(_front_with_dates_on_shifted_rows(), today=TODAY)
    assert found["birth_date"][0] == "1992-03-15"


def test_a_date_another_field_claimed_never_becomes_the_birth_date():
    # An issue date misread a century early is never taken for the birth date; the birth date
    # beside it can then not be told from an impossible one, so it is reported as not read.
    lines = [_box("Date of Birth: 15/03/1992", 100, 100, width=320), _box("Issuing Date: 11/04/1925", 100, 200, width=320)]
    found = fields.emirates_id_front(lines, today=TODAY)
    assert found["issue_date"][0] == "1925-04-11"
    assert "birth_date" not in found
    lines = [_box("Date of Birth: 15/03/1992", 100, 100, width=320), _box("Issuing Date: 11/04/2025", 100, 200, width=320),
             _box("Expiry Date: 10/04/2030", 100, 300, width=320)]
    assert fields.emirates_id_front(lines, today=TODAY)["birth_date"][0] == "1992-03-15"
