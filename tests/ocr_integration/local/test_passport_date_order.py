"""A passport's issue and expiry dates paired with each other's captions are put right.

Found on photos of the tuning family `passport_numbered` (values above their captions, a tilt
brings a value nearer the other caption); tested on a held-out family's page (captions above the values), with the two date
values' places exchanged in its recognised lines.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pytest

from ocr_integration.documents import mrz
from ocr_integration.documents.kinds import DocumentKind
from ocr_integration.local import fields
from ocr_integration.local.layout import TextLine
from ocr_integration.specimens.families import held_out_families
from tests.support.shared import read_once_per_run

TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def page(provider):
    # The same page as test_families_third.py's: read once in the run for both.
    specimen, reading = read_once_per_run(provider, DocumentKind.PASSPORT, "passport_trilingual_es", 6101)
    lines = [TextLine(line["text"], line["score"], np.array(
        [[line["box"][0], line["box"][1]], [line["box"][2], line["box"][1]],
         [line["box"][2], line["box"][3]], [line["box"][0], line["box"][3]]], dtype=np.float32))
        for line in reading.raw_response["lines"]]
    return specimen, reading, lines, mrz.parse(reading.mrz_lines, today=TODAY).fields


def test_the_family_is_held_out():
    assert "passport_trilingual_es" in held_out_families("passport")


def test_issue_and_expiry_exchanged_are_put_right(page):
    specimen, reading, lines, mrz_fields = page
    truth = specimen.truth.fields
    assert (reading.value("issue_date"), reading.value("expiry_date")) == (truth["issue_date"], truth["expiry_date"])
    found = fields.passport(lines, today=TODAY, mrz_fields=mrz_fields)
    issue_line, expiry_line = found["issue_date"][2], found["expiry_date"][2]
    # The two date values printed in each other's place.
    swapped = [
        dataclasses.replace(line, text=expiry_line.text) if line is issue_line
        else dataclasses.replace(line, text=issue_line.text) if line is expiry_line
        else line
        for line in lines
    ]
    again = fields.passport(swapped, today=TODAY, mrz_fields=mrz_fields)
    assert again["issue_date"][0] == truth["issue_date"]
    assert again["expiry_date"][0] == truth["expiry_date"]
