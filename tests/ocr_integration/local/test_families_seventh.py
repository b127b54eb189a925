"""The reader's seventh round: a value aligned under its own caption is not taken for the value
of the caption a photo's tilt put beside it.

The class was found on tuning material (a `passport_numbered` photo, seed 3721874, whose surname
caption was paired with the issuing-state code "MYS" printed under the "2. Code" caption beside
it: a false VIZ_MRZ_NAME). The synthetic lines below are laid out as the recogniser returned that
page; one OCR read checks the page itself.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.findings import Outcome
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import render, tuning_families

TODAY = date(2026, 11, 21)
TUNING_PASSPORT = "passport_numbered"


def _line(text: str, quad: list[list[int]]) -> TextLine:
    return TextLine(text, 0.97, np.array(quad, dtype=np.float32))


def _box(text: str, left: float, top: float, width: float, height: float) -> TextLine:
    return _line(text, [[left, top], [left + width, top], [left + width, top + height], [left, top + height]])


def test_the_family_used_here_is_a_tuning_one():
    assert TUNING_PASSPORT in tuning_families("passport")


def _tilted_page(code: str = "MYS") -> list[TextLine]:
    """The lines of the tuning photo as the recogniser returned them, in its order: values under
    their captions, the page turned about 7 degrees, so the code under "2. Code" stands level
    with "4. Surname" and the sex under "7. Sex" level with "9. Place of birth"."""
    return [
        _line("1.Type", [[558, 293], [607, 301], [603, 325], [555, 317]]),
        _line("PASSPORT", [[887, 292], [974, 305], [970, 329], [883, 316]]),
        _line("TIBAYAN", [[551, 347], [647, 359], [643, 387], [549, 375]]),
        _line("4. Surname", [[554, 333], [621, 343], [618, 366], [551, 355]]),
        _line("P", [[559, 312], [578, 312], [578, 332], [559, 332]]),
        _line(code, [[655, 321], [709, 328], [707, 355], [653, 349]]),
        _line("2.Code", [[659, 308], [705, 316], [703, 336], [657, 328]]),
        _line("5. Given names", [[549, 374], [636, 386], [633, 408], [546, 396]]),
        _line("RIDIYAN HAMASUS", [[547, 388], [739, 412], [737, 438], [545, 414]]),
        _line("PENANG", [[537, 467], [630, 479], [628, 507], [534, 495]]),
        _line("9. Place of birth", [[538, 453], [629, 464], [626, 488], [536, 476]]),
        _line("M", [[730, 455], [757, 455], [757, 478], [730, 478]]),
        _line("7.Sex", [[732, 439], [768, 442], [767, 462], [729, 459]]),
    ]


def test_a_value_aligned_under_another_caption_is_not_the_value_beside_this_one():
    found = fields.passport(_tilted_page(), today=TODAY)
    # Before this round: surname "MYS" (the issuing state), place of birth "M" (the sex), no sex.
    assert found["surname"][0] == "TIBAYAN"
    assert found["issuing_state"][0] == "MYS"
    assert found["place_of_birth"][0] == "PENANG"
    assert found["sex"][0] == "M"


def test_a_value_beside_its_caption_is_still_read_there():
    # "Caption value" on one row, nothing under another caption: the value right of the caption.
    lines = [_box("Surname", 100, 100, 90, 24), _box("OKAFOR", 220, 100, 100, 26),
             _box("Given names", 100, 140, 120, 24), _box("ADA", 240, 140, 60, 26)]
    found = fields.passport(lines, today=TODAY)
    assert found["surname"][0] == "OKAFOR"
    assert found["given_names"][0] == "ADA"


def test_a_line_under_a_caption_it_cannot_be_the_value_of_stays_free():
    # A name under the "2. Code" caption is not an issuing state: it stays the surname's value.
    found = fields.passport(_tilted_page(code="ZZTOP"), today=TODAY)
    assert "issuing_state" not in found
    assert found["surname"][0] == "ZZTOP"


def test_the_tuning_photo_reads_its_surname_and_passes_the_name_check(provider):
    specimen = render(DocumentKind.PASSPORT, TUNING_PASSPORT, 3721874, capture="photo")
    reading = provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
    assert reading.fields["surname"].value == specimen.truth.fields["surname"]
    findings = check_case(CaseReadings(DocumentType.PASSPORT, [reading]), today=TODAY, policy=CheckPolicy())
    assert not [f.code for f in findings if f.outcome == Outcome.FAIL]
