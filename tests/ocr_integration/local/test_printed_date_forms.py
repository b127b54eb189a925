"""Printed dates in every form the issue lists, on every kind and side that prints one.

Issuers print "05/02/1963", "05.02.1963", "1963-02-05", "05 FEB 1963", "05 FEB/FÉV 63" and
"1963年2月5日", and change the form between designs and print runs; a reader that knows one form
per kind reads nothing on the next card. Each test reads a rendered specimen once, then puts the
same dates into the recognised lines in every other form (as the generator prints them) and runs
the kind's field finder, so the rule is checked on real layouts and on forms the family does not
print. The image-level tests read a tuning family that prints ISO dates on the Emirates ID front
and the held-out family that does too.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.local import captions, fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import held_out_families, render, tuning_families
from ocr_integration.specimens.families._draw import printed_date
from ocr_integration.specimens.families.emirates_id import STYLES as EID_STYLES

TODAY = date(2026, 11, 21)
FORMS = ("slash", "dotted", "iso", "dd_mon_yyyy", "dd_mon_fr_yy", "dd_mon_fr_yyyy", "dd_mon_es_yyyy")
DATES = ("birth_date", "issue_date", "expiry_date")



def _lines(provider, specimen) -> list[TextLine]:
    reading = provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
    return [
        TextLine(line["text"], line["score"],
                 np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32))
        for line in reading.raw_response["lines"]
        for x0, y0, x1, y1 in [line["box"]]
    ]


def _reprinted(lines: list[TextLine], printed: dict[str, str], form: str) -> list[TextLine]:
    """The lines with each printed date (as the family printed it) put in ``form``."""
    out = []
    for line in lines:
        text = line.text
        for old, iso in printed.items():
            text = text.replace(old, printed_date(iso, form))
        out.append(TextLine(text, line.score, line.quad))
    return out


@pytest.mark.parametrize("text, iso", [
    ("05/02/1963", "1963-02-05"), ("05.02.1963", "1963-02-05"), ("1963-02-05", "1963-02-05"),
    ("05 FEB 1963", "1963-02-05"), ("05 FEB/FÉV 63", "1963-02-05"), ("05 FEB/FEV 31", "2031-02-05"),
    ("1963年2月5日", "1963-02-05"), ("Birth date: 1963-02-05", "1963-02-05"),
    ("Date of birth 05.02.1963 |", "1963-02-05"), ("出生 1963-02-05", "1963-02-05"),
    # A slash read as a bar on a tilted photo (tuning passport_uae_arabic: "09/07|2024").
    ("09/07|2024", "2024-07-09"), ("1963|02-05", "1963-02-05"),
])
def test_a_date_is_read_in_any_printed_form_even_inside_a_longer_line(text, iso):
    assert fields.printed_date(text, past=iso < "2000", today=TODAY) == iso


@pytest.mark.parametrize("text", ["784-1963-0251234-5", "110101196302051234", "Card No. 123456789", "ZAF 1963"])
def test_numbers_are_not_dates(text):
    assert captions.find_date(text) is None


def test_a_tuning_emirates_family_prints_iso_dates_on_some_cards():
    style = EID_STYLES["eid_bilingual_above"][0]
    assert "eid_bilingual_above" in tuning_families(DocumentKind.EMIRATES_ID_FRONT)
    assert {style.date_form_for(seed) for seed in range(100, 110)} == {"slash", "iso"}


@pytest.mark.parametrize("family, seed", [
    ("eid_bilingual_above", 104),  # tuning, an ISO-dated card
    (held_out_families(DocumentKind.EMIRATES_ID_FRONT)[-1], 7301),  # held out, ISO dates
])
def test_emirates_front_iso_dates_are_read_from_the_image(provider, family, seed):
    specimen = render(DocumentKind.EMIRATES_ID_FRONT, family, seed)
    style = EID_STYLES[family][0]
    assert style.date_form_for(seed) == "iso"
    found = fields.emirates_id_front(_lines(provider, specimen))
    for name in DATES:
        assert found[name][0] == specimen.truth.fields[name], name


@pytest.mark.parametrize("family", [tuning_families(DocumentKind.EMIRATES_ID_FRONT)[0],
                                    held_out_families(DocumentKind.EMIRATES_ID_FRONT)[-1]])
def test_emirates_front_dates_in_every_form(provider, family):
    specimen = render(DocumentKind.EMIRATES_ID_FRONT, family, 7302)
    form = EID_STYLES[family][0].date_form_for(7302)
    truth = specimen.truth.fields
    printed = {printed_date(truth[n], form): truth[n] for n in DATES}
    lines = _lines(provider, specimen)
    for other in FORMS:
        found = fields.emirates_id_front(_reprinted(lines, printed, other))
        assert {n: found[n][0] for n in DATES if n in found} == {n: truth[n] for n in DATES}, other


@pytest.mark.parametrize("family", [tuning_families(DocumentKind.PASSPORT)[0], held_out_families(DocumentKind.PASSPORT)[0]])
def test_passport_dates_in_every_form(provider, family):
    from ocr_integration.specimens.families.passport import STYLES

    specimen = render(DocumentKind.PASSPORT, family, 7303)
    truth = specimen.truth.fields
    printed = {printed_date(truth[n], STYLES[family][0].date_form): truth[n] for n in DATES}
    lines = _lines(provider, specimen)
    for other in FORMS:
        found = fields.passport(_reprinted(lines, printed, other), today=TODAY)
        assert {n: found[n][0] for n in DATES if n in found} == {n: truth[n] for n in DATES}, other


@pytest.mark.parametrize("family", [tuning_families(DocumentKind.CN_ID_PORTRAIT)[0],
                                    held_out_families(DocumentKind.CN_ID_PORTRAIT)[0]])
def test_chinese_birth_date_in_every_form(provider, family):
    specimen = render(DocumentKind.CN_ID_PORTRAIT, family, 7304)
    birth = date.fromisoformat(specimen.truth.fields["birth_date"])
    lines = _lines(provider, specimen)
    cn_form = f"{birth.year}年{birth.month}月{birth.day}日"
    assert any(cn_form in line.text.replace(" ", "") for line in lines)
    for other in FORMS:
        moved = [TextLine(line.text.replace(" ", "").replace(cn_form, printed_date(birth, other)), line.score, line.quad)
                 for line in lines]
        found = fields.cn_id_portrait(moved, today=TODAY)
        assert found["birth_date"][0] == birth.isoformat(), other


def test_a_slash_read_as_a_bar_on_a_held_out_card(provider):
    family = held_out_families(DocumentKind.EMIRATES_ID_FRONT)[-1]
    specimen = render(DocumentKind.EMIRATES_ID_FRONT, family, 7301)
    form = EID_STYLES[family][0].date_form_for(7301)
    truth = specimen.truth.fields
    printed = {printed_date(truth[n], form): truth[n] for n in DATES}
    lines = []
    for line in _lines(provider, specimen):
        text = line.text
        for old in printed:
            at = max(old.rfind("/"), old.rfind("-"), old.rfind("."))
            text = text.replace(old, old[:at] + "|" + old[at + 1:])
        lines.append(TextLine(text, line.score, line.quad))
    assert any("|" in line.text for line in lines)
    found = fields.emirates_id_front(lines)
    assert {n: found[n][0] for n in DATES if n in found} == {n: truth[n] for n in DATES}
