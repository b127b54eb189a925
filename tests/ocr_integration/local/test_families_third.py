"""The reader's third round, on held-out layout families: what the recogniser makes of another
script beside a Latin value, and a Chinese birth date whose label the detector cut in two.

The rules were tuned on the tuning families `passport_uae_arabic` and `cn_serif_values`; these
tests take the recognised lines of held-out specimens and put into them what those families
showed (a small-letter word for an Arabic name, the label 出生 in two boxes), so the rules are
checked on layouts they were not written against. One OCR read per specimen.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from ocr_integration.documents import mrz
from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.documents.reading import ReadField
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine, compact
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens import Fault
from ocr_integration.specimens.families import held_out_families, render
from tests.support.shared import read_once_per_run

TODAY = date(2026, 11, 21)



def read(provider, specimen):
    return provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))


def _quad(left: float, top: float, right: float, bottom: float) -> np.ndarray:
    return np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float32)


def page_lines(reading) -> list[TextLine]:
    """The recognised lines of a reading, as the field finders get them."""
    return [TextLine(line["text"], line["score"], _quad(*line["box"])) for line in reading.raw_response["lines"]]


def test_the_families_used_here_are_held_out():
    assert "passport_trilingual_es" in held_out_families("passport")
    assert "cn_grey_compact" in held_out_families("cn_id_portrait")


@pytest.fixture(scope="module")
def trilingual(provider):
    specimen, reading = read_once_per_run(provider, DocumentKind.PASSPORT, "passport_trilingual_es", 6101)
    return specimen, reading, mrz.parse(reading.mrz_lines, today=TODAY).fields


def test_the_held_out_page_reads_right_as_it_is(trilingual):
    specimen, reading, _ = trilingual
    for name in ("surname", "place_of_birth"):
        assert reading.value(name) == specimen.truth.fields[name]


@pytest.mark.parametrize("stray", ["wwglo", "i", "L"])
def test_a_word_in_another_script_before_the_surname_is_not_part_of_it(trilingual, stray):
    # What the recogniser returned for an Arabic name printed before the Latin surname on the
    # tuning family: a small-letter word, or a single capital, in its own box or run into the
    # value's box.
    specimen, reading, mrz_fields = trilingual
    surname = specimen.truth.fields["surname"]
    lines = page_lines(reading)
    value = next(line for line in lines if line.text.strip() == surname)
    h = value.height
    beside = TextLine(stray, 0.6, _quad(value.left - 3 * h, value.top, value.left - 0.3 * h, value.bottom))
    run_in = dataclasses.replace(value, text=f"{stray} {surname}")
    for page in ([*lines, beside], [line if line is not value else run_in for line in lines]):
        found = fields.passport(page, today=TODAY, mrz_fields=mrz_fields)
        assert found["surname"][0] == surname


def test_small_letters_glued_before_a_name_are_dropped_but_a_misread_capital_is_kept():
    assert fields._passport_value("surname", "žMILANAM") == "MILANAM"
    assert fields._passport_value("place_of_birth", "DUBAl") == "DUBAL"
    assert fields._passport_value("place_of_birth", "l") is None


def test_a_stray_capital_is_kept_when_the_mrz_name_has_it():
    # A one-letter word the MRZ spells too is part of the name (and a printed name that differs
    # from the MRZ is never made to agree with it).
    assert fields._without_stray_letter("L ZAMAKIR", "ZAMAKIR") == "ZAMAKIR"
    assert fields._without_stray_letter("A ZAMAKIR", "A<ZAMAKIR") == "A ZAMAKIR"
    assert fields._without_stray_letter("ZAMAKIR JONES", "ZAMAKIR") == "ZAMAKIR JONES"


def test_the_tail_of_a_bilingual_caption_is_not_taken_for_the_place_of_birth(trilingual):
    # "Place of birth / l": the Arabic caption's last glyph recognised as a small letter in the
    # caption's box, where an inline value would stand.
    specimen, reading, mrz_fields = trilingual
    lines = page_lines(reading)
    caption = next(line for line in lines if compact(line.text).lower().startswith("placeofbirth"))
    page = [line if line is not caption else dataclasses.replace(caption, text=caption.text + " / l") for line in lines]
    found = fields.passport(page, today=TODAY, mrz_fields=mrz_fields)
    assert found["place_of_birth"][0] == specimen.truth.fields["place_of_birth"]


def _split_birth_label(lines: list[TextLine]) -> list[TextLine]:
    """The lines with the label 出生 cut after its first character, as the detector cut it on
    the tuning family (出 | 生1969年2月1日)."""
    out = []
    for line in lines:
        if compact(line.text).startswith("出生"):
            cut = line.left + (line.right - line.left) * 0.12
            out.append(TextLine("出", line.score, _quad(line.left, line.top, cut, line.bottom)))
            out.append(TextLine(compact(line.text)[1:], line.score, _quad(cut, line.top, line.right, line.bottom)))
        else:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def mismatched_card(provider):
    portrait, portrait_reading = read_once_per_run(
        provider, DocumentKind.CN_ID_PORTRAIT, "cn_grey_compact", 6201, faults=[Fault.ID_BIRTH_MISMATCH])
    _, emblem_reading = read_once_per_run(
        provider, DocumentKind.CN_ID_EMBLEM, "cn_grey_compact", 6201, faults=[Fault.ID_BIRTH_MISMATCH])
    return portrait, portrait_reading, emblem_reading


def _checked(portrait_reading, emblem_reading, found) -> dict:
    portrait_fields = dict(portrait_reading.fields)
    portrait_fields.pop("birth_date", None)
    if "birth_date" in found:
        portrait_fields["birth_date"] = ReadField(found["birth_date"][0], found["birth_date"][1])
    case = CaseReadings(document_type=DocumentType.CN_RESIDENT_ID,
                        primary=[dataclasses.replace(portrait_reading, fields=portrait_fields), emblem_reading])
    findings = check_case(case, today=TODAY, policy=CheckPolicy())
    return {(f.code, str(f.outcome)) for f in findings}


def test_a_birth_date_whose_label_was_cut_in_two_is_read_and_compared(mismatched_card):
    specimen, portrait, emblem = mismatched_card
    number_birth = specimen.truth.fields["id_number"][6:14]
    printed = specimen.truth.fields["birth_date"]
    assert printed.replace("-", "") != number_birth  # the fault: the number encodes another date
    found = fields.cn_id_portrait(_split_birth_label(page_lines(portrait)), today=TODAY)
    assert found["birth_date"][0] == printed
    assert ("CN_ID_BIRTH_DATE", "fail") in _checked(portrait, emblem, found)


def test_a_birth_date_not_read_is_not_copied_from_the_number(mismatched_card):
    _, portrait, emblem = mismatched_card
    lines = [line for line in page_lines(portrait) if fields.parse_cn_date(line.text) is None]
    found = fields.cn_id_portrait(lines, today=TODAY)
    assert "birth_date" not in found
    outcomes = _checked(portrait, emblem, found)
    # Not compared, and said so: never a pass of the number against itself.
    assert ("VIZ_FIELD_NOT_READ", "warn") in outcomes
    assert ("CN_ID_BIRTH_DATE", "pass") not in outcomes


@pytest.fixture(scope="module")
def emirates_front(provider):
    specimen, reading = read_once_per_run(provider, DocumentKind.EMIRATES_ID_FRONT, "eid_alt_vocabulary", 6301)
    return specimen, page_lines(reading)


def _captions_above(lines: list[TextLine], captions: dict[str, str]) -> list[TextLine]:
    """The card's "Caption: value" lines laid out as the tuning family eid_bilingual_above prints
    them, the caption above its value, with the captions given (by English caption word) read as
    ``captions`` says: the held-out card's values in the arrangement the rule was found on."""
    out = []
    for line in lines:
        head, colon, value = line.text.partition(":")
        if not colon:
            out.append(line)
            continue
        h = line.height
        word = head.strip().split()[0]
        out.append(TextLine(captions.get(word, head.strip()), line.score, _quad(line.left, line.top, line.right, line.bottom)))
        out.append(TextLine(value.strip(), line.score, _quad(line.left, line.bottom + 0.2 * h, line.right, line.bottom + 1.2 * h)))
    return out


def test_what_a_bilingual_caption_leaves_on_the_emirates_front_is_no_value(emirates_front):
    # On the tuning family eid_bilingual_above, "Name / <Arabic>" came back as "Name / " and the
    # "/" was taken for the name (and "Nationality / " likewise).
    specimen, lines = emirates_front
    assert "eid_alt_vocabulary" in held_out_families("emirates_id_front")
    truth = specimen.truth.fields
    found = fields.emirates_id_front(_captions_above(lines, {"Name": "Name / ", "Nationality": "Nationality / "}))
    assert found["full_name"][0] == truth["full_name"]
    assert found["nationality"][0] == truth["nationality"]


def test_the_emirates_sex_is_found_by_its_single_letter_when_its_caption_lost_one(emirates_front):
    specimen, lines = emirates_front
    page = _captions_above(lines, {"Gender": "ex/ "})
    assert fields.emirates_id_front(page)["sex"][0] == specimen.truth.fields["sex"]
    # Two lone letters: which one is the sex is not known, so none is taken.
    stray = TextLine("M" if specimen.truth.fields["sex"] == "F" else "F", 0.9, _quad(0, 0, 20, 20))
    assert "sex" not in fields.emirates_id_front([*page, stray])


@pytest.mark.parametrize("family", held_out_families(DocumentKind.CN_ID_PORTRAIT)[:1])
def test_a_printed_sex_the_number_contradicts_fails_on_a_held_out_card(provider, family):
    portrait = render(DocumentKind.CN_ID_PORTRAIT, family, 6202, faults=[Fault.ID_SEX_MISMATCH])
    emblem = render(DocumentKind.CN_ID_EMBLEM, family, 6202, faults=[Fault.ID_SEX_MISMATCH])
    case = CaseReadings(document_type=DocumentType.CN_RESIDENT_ID,
                        primary=[read(provider, portrait), read(provider, emblem)])
    outcomes = {(f.code, str(f.outcome)) for f in check_case(case, today=TODAY, policy=CheckPolicy())}
    assert ("CN_ID_SEX", "fail") in outcomes
    assert ("CN_ID_BIRTH_DATE", "pass") in outcomes  # only the sex was changed


def test_a_space_the_recogniser_lost_in_a_held_out_emirates_name_is_no_name_mismatch(provider):
    family = held_out_families(DocumentKind.EMIRATES_ID_FRONT)[0]
    seed = next(s for s in range(6300, 6400)
                if len(render(DocumentKind.EMIRATES_ID_FRONT, family, s).truth.fields["full_name"].split()) >= 3)
    front = read(provider, render(DocumentKind.EMIRATES_ID_FRONT, family, seed))
    back = read(provider, render(DocumentKind.EMIRATES_ID_BACK, family, seed))
    first, second, *rest = front.fields["full_name"].value.split()
    merged = dataclasses.replace(front, fields={**front.fields, "full_name": dataclasses.replace(
        front.fields["full_name"], value=" ".join([first + second, *rest]))})
    findings = check_case(CaseReadings(document_type=DocumentType.EMIRATES_ID, primary=[merged, back]),
                          today=TODAY, policy=CheckPolicy())
    assert {str(f.outcome) for f in findings if f.code == "VIZ_MRZ_NAME"} == {"pass"}
