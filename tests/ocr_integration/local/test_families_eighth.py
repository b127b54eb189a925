"""The reader's eighth round: a bilingual caption whose slash is glued to its last English word
("Place of birth/ محل الميلاد", recognised as "Place of birth/ lJ") leads to the caption's other
language, as a free-standing slash does, not to the value.

Found on tuning material only: photos of the `passport_uae_arabic` family (documents 109-120,
seeds 32007010, 32007011, 32007018, 32007020) read the Arabic half of the caption, which the
Latin recogniser returns as stray letters, as the place of birth ("LJ", "ALLJ", "J") or the
personal number ("AAL"); the value printed under the caption (DUBAI, 8099422025) was never
looked for. The synthetic lines below are laid out as the recogniser returned one of those
pages; one OCR read checks the page itself.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ocr_integration.local import captions, fields
from ocr_integration.local.layout import TextLine
from ocr_integration.specimens.families import tuning_families
from tests.ocr_integration.local.tuning_photos import read_passport_photo

TODAY = date(2026, 11, 21)
TUNING_PASSPORT = "passport_uae_arabic"


def _box(text: str, left: float, top: float, right: float, bottom: float) -> TextLine:
    quad = [[left, top], [right, top], [right, bottom], [left, bottom]]
    return TextLine(text, 0.97, np.array(quad, dtype=np.float32))


def test_the_family_used_here_is_a_tuning_one():
    assert TUNING_PASSPORT in tuning_families("passport")


def test_a_glued_slash_ends_the_caption_and_what_follows_is_not_its_value():
    assert captions.caption_with_value("Place of birth/ lJ", captions.PASSPORT_CAPTIONS) == []
    assert captions.caption_with_value("Personal No./ aal", captions.PASSPORT_CAPTIONS) == []
    # Still a caption: its value is looked for beside and under it.
    assert captions.caption_of("Place of birth/ lJ", captions.PASSPORT_CAPTIONS).field == "place_of_birth"


def test_a_misread_caption_without_a_slash_keeps_its_inline_value():
    (caption,) = captions.caption_with_value("Sumame YASIBAS", captions.PASSPORT_CAPTIONS)
    assert (caption.field, caption.value) == ("surname", "YASIBAS")


def _lower_half_of_the_page(place_caption: str, personal_caption: str) -> list[TextLine]:
    """The lines of tuning photo 32007018 from "Date of birth" down, as recognised."""
    return [
        _box("Date of bith / ", 387, 351, 587, 383),
        _box("Sex/", 753, 353, 808, 380),
        _box("07/11/1989", 389, 379, 537, 411),
        _box("M", 750, 378, 788, 411),
        _box(place_caption, 386, 409, 591, 446),
        _box(personal_caption, 749, 409, 970, 445),
        _box("DUBAI", 389, 438, 487, 471),
        _box("8099422025", 753, 438, 912, 470),
        _box("Date of issue /  ", 387, 470, 601, 508),
        _box("31/01/2021", 388, 499, 534, 530),
    ]


def test_the_values_under_captions_with_glued_slashes_are_read():
    found = fields.passport(_lower_half_of_the_page("Place of birth/ lJ", "Personal No./ aal"), today=TODAY)
    assert found["place_of_birth"][0] == "DUBAI"
    assert found["personal_number"][0] == "8099422025"


def test_the_tuning_photo_reads_its_place_of_birth(provider):
    reading, truth, fails = read_passport_photo(provider, TUNING_PASSPORT, 32007010)
    assert reading.fields["place_of_birth"].value == truth.fields["place_of_birth"]
    assert not fails


def test_an_accent_the_recogniser_put_on_an_emirates_id_employer_is_not_printed():
    """The card prints the employer in English capitals; tuning `eid_bilingual_above` backs
    (degraded 24608010, photo 34608010) came back with "OÁSIS", "DÚNE"."""
    lines = [_box("Employer", 40, 100, 160, 126), _box("OÁSIS GRID ENGINEERING", 180, 98, 520, 128)]
    assert fields.emirates_id_back(lines)["employer"][0] == "OASIS GRID ENGINEERING"
