"""The reader's second round on held-out layout families: fields no caption names, names printed
beside their national-script form, values wrapped onto a second line, values the detector missed,
and the MRZ handed to the checks as it was recognised (so their corrections show).

Every OCR read takes about a second under no load; the set is kept small.
"""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.local import captions, fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import held_out_families, render
from ocr_integration.specimens.fonts import font

TODAY = date(2026, 11, 21)



def read(provider, specimen):
    return provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))


def _line(text: str, left: float, top: float, width: float = 200, height: float = 24) -> TextLine:
    quad = np.array([[left, top], [left + width, top], [left + width, top + height], [left, top + height]], dtype=np.float32)
    return TextLine(text, 0.99, quad)


def test_the_families_used_here_are_held_out():
    assert {"passport_cn_bilingual", "passport_no_captions"} <= set(held_out_families("passport"))
    assert "cn_serif_labels" in held_out_families("cn_id_emblem")


@pytest.mark.parametrize(("seed", "capture"), [(5101, "clean"), (5102, "photo")])
def test_place_of_birth_and_authority_on_a_page_without_captions(provider, seed, capture):
    specimen = render(DocumentKind.PASSPORT, "passport_no_captions", seed, capture=capture)
    reading = read(provider, specimen)
    for name in ("place_of_birth", "issuing_authority"):
        assert reading.value(name) == specimen.truth.fields[name]


def test_place_and_authority_follow_the_icao_order_of_the_dates():
    mrz = {"surname": "KISALU", "given_names": "RIZUS", "birth_date": "1986-01-21",
           "document_number": "P75089206", "nationality": "IND", "issuing_state": "IND"}
    page = [
        _line("INDIA", 10, 10), _line("PASSPORT", 400, 10),
        _line("KISALU", 10, 60), _line("RIZUS", 10, 100),
        _line("1986-01-21", 10, 140), _line("PUNE", 250, 140),
        _line("2022-11-28", 10, 180), _line("2032-11-27", 250, 180),
        _line("MINISTRY OF INTERIOR", 10, 220),
    ]
    found = fields.passport(page, today=TODAY, mrz_fields=mrz)
    assert found["place_of_birth"][0] == "PUNE"
    assert found["issuing_authority"][0] == "MINISTRY OF INTERIOR"
    # The header above the names is neither, and nothing is guessed without the dates that
    # anchor the order.
    no_dates = [line for line in page if not line.text[:1].isdigit()]
    found = fields.passport(no_dates, today=TODAY, mrz_fields=mrz)
    assert "place_of_birth" not in found and "issuing_authority" not in found


def test_the_latin_name_beside_the_chinese_one_is_the_surname(provider):
    specimen = render(DocumentKind.PASSPORT, "passport_cn_bilingual", 5103)
    reading = read(provider, specimen)
    assert reading.value("surname") == specimen.truth.fields["surname"]


@pytest.mark.parametrize(("printed", "latin_part"), [("孔霞 KISALU", "KISALU"), ("KISALU", "KISALU"), ("孔霞", None)])
def test_a_value_in_two_scripts_keeps_its_latin_words(printed, latin_part):
    assert fields._passport_value("surname", printed) == latin_part


@pytest.mark.parametrize("capture", ["clean", "photo"])
def test_an_authority_wrapped_onto_two_lines_is_read_whole(provider, capture):
    specimen = render(DocumentKind.CN_ID_EMBLEM, "cn_serif_labels", 5104, capture=capture)
    reading = read(provider, specimen)
    assert reading.value("issuing_authority") == specimen.truth.fields["issuing_authority"]
    assert reading.value("validity_period") == specimen.truth.fields["validity_period"]


def test_a_wrapped_value_ends_at_the_next_label_even_when_its_value_stands_higher():
    lines = [
        _line("签发机关", 240, 466, 130, 43), _line("武汉市公安局武", 430, 460, 250, 45),
        _line("昌分局", 430, 506, 110, 45),
        _line("有效期限", 240, 592, 130, 42), _line("2015.08.06-2035.08.06", 430, 588, 360, 40),
    ]
    found = fields.cn_id_emblem(lines)
    assert found["issuing_authority"][0] == "武汉市公安局武昌分局"


@pytest.mark.parametrize(("printed", "iso"), [("07 ENEIJAN 2018", "2018-01-07"), ("05 FEBLFEV 63", "1963-02-05")])
def test_a_slash_between_month_names_read_as_a_letter(printed, iso):
    assert captions.parse_date(printed).resolve(past=True, today=TODAY) == iso


def test_a_word_is_not_split_into_month_names():
    assert captions.parse_date("05 MAIL 1963") is None


def test_a_value_the_detector_missed_under_its_caption_is_read(provider):
    # On this trilingual page the detector finds no box for the one-letter type "P" under
    # "Type / Type / Tipo"; the band under the caption is recognised on its own.
    specimen = render(DocumentKind.PASSPORT, "passport_trilingual_es", 1449602)
    reading = read(provider, specimen)
    assert reading.value("document_code") == "P"
    assert reading.value("issue_date") == specimen.truth.fields["issue_date"]


def _with_digit_in_mrz_name(provider, specimen) -> tuple[bytes, int]:
    """The specimen with one S of its MRZ name printed as the digit 5 (as a worn print or a poor
    recognition gives it); returns the PNG and the position changed in the first line."""
    line1 = specimen.truth.mrz_lines[0]
    position = line1.index("S", 5)
    box = read(provider, specimen).raw_response["mrz"]["boxes"][0]
    image = Image.open(io.BytesIO(specimen.image)).convert("RGB")
    left, top, right, bottom = box
    pitch = (right - left) / 44
    cell = (round(left + position * pitch), top - 2, round(left + (position + 1) * pitch), bottom + 2)
    draw = ImageDraw.Draw(image)
    draw.rectangle(cell, fill=image.getpixel((cell[0] - 2, top - 6)))
    # The OCR-B digit at the cap height of its neighbours.
    size = 10
    while font("ocrb", size + 1).getbbox("5")[3] - font("ocrb", size + 1).getbbox("5")[1] <= (bottom - top) * 0.9:
        size += 1
    draw.text(((cell[0] + cell[2]) / 2, bottom - 1), "5", font=font("ocrb", size), fill=(20, 20, 20), anchor="ms")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue(), position


def test_a_digit_read_in_the_mrz_name_reaches_the_checks_and_is_reported_corrected(provider):
    specimen = next(
        sp for seed in range(5200, 5300)
        if "S" in (sp := render(DocumentKind.PASSPORT, "passport_no_captions", seed)).truth.mrz_lines[0][5:]
    )
    image, position = _with_digit_in_mrz_name(provider, specimen)
    reading = provider.read(ReadRequest(DocumentKind.PASSPORT, image, "image/png"))
    # The reading carries the MRZ as recognised ...
    assert reading.mrz_lines[0][position] == "5"
    findings = check_case(CaseReadings(document_type=DocumentType.PASSPORT, primary=[reading]), today=TODAY,
                          policy=CheckPolicy())
    by_code = {f.code: f for f in findings}
    # ... and the checks correct it, list the change for the reviewer and compare the names.
    corrected = by_code["MRZ_CORRECTED"]
    assert {"line": 1, "position": position + 1, "read": "5", "corrected": "S"}.items() <= corrected.evidence["corrections"][0].items()
    assert corrected.evidence["corrected_lines"][0] == specimen.truth.mrz_lines[0]
    assert not [f.code for f in findings if str(f.outcome) == "fail"]
