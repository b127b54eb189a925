"""One tuning passport photo read by the embedded reader, and what the cross-checks fail on it:
the page-level check of each reader round's rule (the rule's own tests use the page's boxes)."""

from __future__ import annotations

from datetime import date

from ocr_integration.documents.crosschecks import CaseReadings, CheckPolicy, check_case
from ocr_integration.documents.findings import Outcome
from ocr_integration.documents.kinds import DocumentKind, DocumentType
from ocr_integration.provider import ReadRequest
from ocr_integration.specimens.families import render

TODAY = date(2026, 11, 21)


def read_passport_photo(provider, family: str, seed: int):
    """(the reading, the page's ground truth, the codes of the checks that fail)."""
    specimen = render(DocumentKind.PASSPORT, family, seed, capture="photo")
    reading = provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))
    findings = check_case(CaseReadings(DocumentType.PASSPORT, [reading]), today=TODAY, policy=CheckPolicy())
    return reading, specimen.truth, [f.code for f in findings if f.outcome == Outcome.FAIL]
