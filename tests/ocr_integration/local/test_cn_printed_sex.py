"""The sex printed on a Chinese ID's portrait side is read from the card and compared with the
ID number's sequence digit; it is never copied from the number.

Copied from a valid number (as the reader did until this round), CN_ID_SEX compared the number
with itself and passed a card printing the other sex. These tests use held-out layout families
(`cn_grey_compact`, `cn_serif_labels`) and inject the fault into the card itself: the printed
sex is painted over and the other one printed in its place (or nothing, for "not read"), then
the image is read by the embedded engine and the real cross-checks run on the readings.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine, compact
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import held_out_families
from ocr_integration.specimens.families._draw import face
from tests.support.shared import read_once_per_run

TODAY = date(2026, 11, 21)
OTHER = {"男": "女", "女": "男"}
# Held-out cards: one printing 女 with its label in the same box ("性别 女"), one printing 男.
CARDS = [("cn_grey_compact", 6211), ("cn_serif_labels", 6212)]



def read(provider, kind, image: bytes, media_type: str):
    return provider.read(ReadRequest(kind, image, media_type))


def test_the_families_used_here_are_held_out():
    for family, _ in CARDS:
        assert family in held_out_families("cn_id_portrait")


@pytest.fixture(scope="module", params=CARDS, ids=[family for family, _ in CARDS])
def card(request, provider):
    family, seed = request.param
    portrait, reading = read_once_per_run(provider, DocumentKind.CN_ID_PORTRAIT, family, seed)
    _, emblem_reading = read_once_per_run(provider, DocumentKind.CN_ID_EMBLEM, family, seed)
    return portrait, reading, emblem_reading


def _outcomes(portrait_reading, emblem_reading) -> set[tuple[str, str]]:
    case = CaseReadings(document_type=DocumentType.CN_RESIDENT_ID, primary=[portrait_reading, emblem_reading])
    return {(f.code, str(f.outcome)) for f in check_case(case, today=TODAY, policy=CheckPolicy())}


def _number_sex(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


def _reprinted(specimen, reading, sex: str | None) -> bytes:
    """The card with its printed sex painted over with paper and ``sex`` printed there instead
    (nothing when ``None``): a card whose printed sex is no longer the number's."""
    printed = specimen.truth.fields["sex"]
    line = next(line for line in reading.raw_response["lines"] if compact(line["text"]).endswith(printed)
                and (compact(line["text"]) == printed or compact(line["text"]).startswith("性")))
    left, top, right, bottom = line["box"]
    h = bottom - top
    # The value is the box's last character, about as wide as the box is high.
    cover = (right - int(0.95 * h), top, right, bottom)
    image = Image.open(io.BytesIO(specimen.image)).convert("RGB")
    paper = tuple(int(c) for c in np.median(np.asarray(image.crop((cover[0], top - h // 2, cover[2], top))).reshape(-1, 3), axis=0))
    draw = ImageDraw.Draw(image)
    draw.rectangle(cover, fill=paper)
    if sex is not None:
        draw.text((cover[0] + h * 0.1, top + h * 0.15), sex, font=face("cjk", int(h * 0.6)), fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_held_out_card_is_read_with_its_printed_sex_and_passes(card):
    specimen, portrait, emblem = card
    truth = specimen.truth.fields
    assert portrait.value("sex") == truth["sex"] == _number_sex(truth["id_number"])
    assert ("CN_ID_SEX", "pass") in _outcomes(portrait, emblem)


def test_a_printed_sex_that_differs_from_the_number_fails(card, provider):
    specimen, portrait, emblem = card
    number_sex = _number_sex(specimen.truth.fields["id_number"])
    forged = read(provider, specimen.kind, _reprinted(specimen, portrait, OTHER[number_sex]), "image/png")
    # The number still validates; the sex read is the printed one, not the number's.
    assert forged.value("id_number") == specimen.truth.fields["id_number"]
    assert forged.value("sex") == OTHER[number_sex]
    outcomes = _outcomes(forged, emblem)
    assert ("CN_ID_SEX", "fail") in outcomes
    assert ("CN_ID_SEX", "pass") not in outcomes


def test_a_printed_sex_not_read_is_named_not_copied_from_the_number(card, provider):
    specimen, portrait, emblem = card
    blank = read(provider, specimen.kind, _reprinted(specimen, portrait, None), "image/png")
    assert blank.value("id_number") == specimen.truth.fields["id_number"]
    assert blank.value("sex") is None
    case = CaseReadings(document_type=DocumentType.CN_RESIDENT_ID, primary=[blank, emblem])
    findings = check_case(case, today=TODAY, policy=CheckPolicy())
    not_read = [f for f in findings if f.code == "VIZ_FIELD_NOT_READ"]
    assert [f.evidence["fields"] for f in not_read] == [["sex"]]
    assert str(not_read[0].outcome) == "warn"
    assert not any(f.code == "CN_ID_SEX" for f in findings)


def test_the_sex_is_found_by_its_form_when_the_label_is_cut_apart(card):
    # The detector may cut the label 性别 (as it cut 出生 on the tuning family cn_serif_values):
    # 性 | 别男. The printed value is still found, in its own box or after 别.
    specimen, portrait, _ = card
    printed = specimen.truth.fields["sex"]
    lines = [TextLine(line["text"], line["score"], np.array(
        [[line["box"][0], line["box"][1]], [line["box"][2], line["box"][1]],
         [line["box"][2], line["box"][3]], [line["box"][0], line["box"][3]]], dtype=np.float32))
        for line in portrait.raw_response["lines"]]
    cut = []
    for line in lines:
        text = compact(line.text)
        if text.startswith("性别"):
            cut.append(dataclasses.replace(line, text="性"))
            cut.append(dataclasses.replace(line, text="别" + text[2:]))
        else:
            cut.append(line)
    assert fields.cn_id_portrait(cut, today=TODAY)["sex"][0] == printed
    # The printed value beside a second lone sex character: which one is printed is not known,
    # so none is taken (and never the number's).
    stray = TextLine(OTHER[printed], 0.9, np.array([[0, 0], [20, 0], [20, 20], [0, 20]], dtype=np.float32))
    assert "sex" not in fields.cn_id_portrait([*cut, stray], today=TODAY)
