"""The reader's fifth round, on held-out layout families: word breaks the recogniser dropped, a
name caption's other-script word read as a capitalised Latin word, and a low-confidence printed
date one look-alike digit away from its MRZ.

The rules were found on tuning families (`passport_uae_arabic` photos: "Lwlo" taken for the
surname; a tuning photo's authority read "MINISTRYOF INTERIOR"); these tests check them on
specimens of held-out families, rendered by the generator. One OCR read per specimen at most.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from ocr_integration.documents import mrz
from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.findings import Outcome
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.documents.reading import ReadField
from ocr_integration.local import fields, word_gaps
from ocr_integration.local.layout import crop
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens import Fault
from ocr_integration.specimens.families import held_out_families, render
from tests.support.shared import computed_once_per_run

TODAY = date(2026, 11, 21)
HELD_OUT_PASSPORT = "passport_cn_bilingual"


def test_the_family_used_here_is_held_out():
    assert HELD_OUT_PASSPORT in held_out_families("passport")


@pytest.fixture(scope="module")
def page(provider):
    """A held-out passport read by the engine, with the working image and the fields found."""
    from ocr_integration.local import provider as local

    def read_capturing_the_page():
        captured = {}
        original = local._visual_fields

        def capture(kind, page, today, mrz_fields):
            found = original(kind, page, today, mrz_fields)
            captured.update(page=page, found=dict(found))
            return found

        specimen = render(DocumentKind.PASSPORT, HELD_OUT_PASSPORT, 5107)
        local._visual_fields = capture
        try:
            reading = provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
        finally:
            local._visual_fields = original
        return specimen, reading, captured["page"], captured["found"]

    return computed_once_per_run(f"page-fields-{HELD_OUT_PASSPORT}-5107", read_capturing_the_page)


def _authority(page_fixture):
    specimen, _, page, found = page_fixture
    value, score, line = found["issuing_authority"]
    assert value == specimen.truth.fields["issuing_authority"]
    return specimen, page, value, score, line


def test_a_lost_word_break_is_put_back_from_the_line_image(page):
    from ocr_integration.local.provider import _restore_word_breaks

    specimen, working, value, score, line = _authority(page)
    assert " " in value  # PASSPORT OFFICE or MINISTRY OF INTERIOR
    # What the recogniser sometimes returns for this line: the words run together.
    run_together = value.replace(" ", "")
    found = {"issuing_authority": (run_together, score, dataclasses.replace(line, text=run_together))}
    _restore_word_breaks(found, working.image)
    assert found["issuing_authority"][0] == specimen.truth.fields["issuing_authority"]


def test_the_line_image_shows_one_break_per_space_and_none_inside_a_word(page):
    _, working, value, _, line = _authority(page)
    breaks = word_gaps.word_breaks(crop(working.image, line.quad, pad=0.0))
    assert len(breaks) == value.count(" ")


def test_a_value_read_with_its_spaces_costs_no_recognition(page, monkeypatch):
    from ocr_integration.local import engine
    from ocr_integration.local.provider import _restore_word_breaks

    _, working, value, score, line = _authority(page)
    monkeypatch.setattr(engine, "recognise", lambda crops: pytest.fail("recognised again"))
    found = {"issuing_authority": (value, score, line)}
    _restore_word_breaks(found, working.image)
    assert found["issuing_authority"][0] == value


def test_respace_adds_spaces_only_and_never_changes_letters():
    assert word_gaps.respace("PASSPORTOFFICE", "PASSPORT OFFICE") == "PASSPORT OFFICE"
    assert word_gaps.respace("MINISTRYOF INTERIOR", "Authority MINISTRY OF INTERIOR") == "MINISTRY OF INTERIOR"
    # Letters that differ: the value is left as read.
    assert word_gaps.respace("PASSPORTOFFICE", "PASSP0RT OFFICE") == "PASSPORTOFFICE"


def test_a_capitalised_small_letter_word_is_not_a_name(page):
    specimen, reading, _, _ = page
    surname = specimen.truth.fields["surname"]
    # What the recogniser made of the Arabic name beside the surname on tuning photos.
    assert fields._passport_value("surname", f"Lwlo {surname}") == surname
    assert fields._passport_value("surname", "Llgj") is None
    # Capitals with one small letter (a misread capital) are still a name.
    assert fields._passport_value("place_of_birth", "DUBAl") == "DUBAL"
    assert reading.fields["surname"].value == surname


# --- a printed date one look-alike digit from its MRZ --------------------------------------------


def _with_birth_date(reading, printed: str, confidence: float):
    changed = dict(reading.fields, birth_date=ReadField(printed, confidence, reading.fields["birth_date"].box))
    return dataclasses.replace(reading, fields=changed)


def _lookalike(iso: str) -> str | None:
    """The date with one digit of its YYMMDD swapped for a look-alike, if any gives a real date."""
    swap = {"3": "8", "8": "3", "5": "6", "6": "5", "0": "8", "1": "7", "7": "1", "9": "8"}
    for index in (9, 8, 6, 5, 3, 2):  # day, month, year digits of YYYY-MM-DD
        if iso[index] in swap:
            candidate = iso[:index] + swap[iso[index]] + iso[index + 1:]
            try:
                date.fromisoformat(candidate)
            except ValueError:
                continue
            return candidate
    return None


def _birth_finding(reading):
    findings = check_case(CaseReadings(DocumentType.PASSPORT, [reading]), today=TODAY, policy=CheckPolicy())
    return next(f for f in findings if f.code == "VIZ_MRZ_BIRTH_DATE")


def test_a_low_confidence_lookalike_date_is_uncertain_not_a_mismatch(page):
    _, reading, _, _ = page
    assert _birth_finding(reading).outcome == Outcome.PASS
    misread = _lookalike(reading.fields["birth_date"].value)
    assert misread is not None
    finding = _birth_finding(_with_birth_date(reading, misread, 0.62))
    assert finding.outcome == Outcome.WARN
    assert "check the printed date on the image" in finding.message
    assert finding.evidence["confidence"] == 0.62


def test_the_same_difference_read_with_confidence_fails(page):
    _, reading, _, _ = page
    misread = _lookalike(reading.fields["birth_date"].value)
    assert _birth_finding(_with_birth_date(reading, misread, 0.97)).outcome == Outcome.FAIL


def test_a_low_confidence_date_that_differs_otherwise_fails(page):
    _, reading, _, _ = page
    printed = date.fromisoformat(reading.fields["birth_date"].value)
    # Eleven years earlier: both digits of the year differ, whatever they are.
    shifted = printed.replace(year=printed.year - 11, day=min(printed.day, 28))
    assert _birth_finding(_with_birth_date(reading, shifted.isoformat(), 0.4)).outcome == Outcome.FAIL


def test_an_injected_birth_date_mismatch_still_fails_on_a_held_out_page():
    from ocr_integration.local.provider import LocalOcrProvider

    specimen = render(DocumentKind.PASSPORT, HELD_OUT_PASSPORT, 5111, faults=[Fault.VZ_MRZ_MISMATCH])
    reading = LocalOcrProvider().read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
    assert reading.fields["birth_date"].value == specimen.truth.fields["birth_date"]
    assert mrz.parse(reading.mrz_lines, today=TODAY).fields["birth_date"] != specimen.truth.fields["birth_date"]
    assert _birth_finding(reading).outcome == Outcome.FAIL
