"""CTyun results -> the canonical :class:`Reading`.

# Reference: vendor-docs/002 §4.3.2 表returnObj: ``note`` is ``front`` for the national-emblem side
# and ``back`` for the portrait side — the opposite of the usual habit, so sides are mapped here
# explicitly and a photo of the wrong side is refused as such.
"""

from __future__ import annotations

from typing import Any

from ...documents.kinds import DocumentKind
from ...documents.reading import Box, ReadField, Reading
from ...provider import ErrorClass, OcrError
from ..values import iso_date, mrz_candidates
from .models import IdCardResult, TextLine

CTYUN_NOTE_FOR_KIND = {DocumentKind.CN_ID_EMBLEM: "front", DocumentKind.CN_ID_PORTRAIT: "back"}
KIND_FOR_NOTE = {v: k for k, v in CTYUN_NOTE_FOR_KIND.items()}
PORTRAIT_MAP = {"name": "full_name", "sex": "sex", "nation": "ethnicity", "birthday": "birth_date",
                "idn": "id_number", "addr": "address"}
EMBLEM_MAP = {"org": "issuing_authority", "validperiod": "validity_period"}


def idcard(provider: str, kind: DocumentKind, result: IdCardResult, raw: dict[str, Any], request_id: str | None) -> Reading:
    wanted = CTYUN_NOTE_FOR_KIND[kind]
    mapping = PORTRAIT_MAP if kind == DocumentKind.CN_ID_PORTRAIT else EMBLEM_MAP
    if result.note != wanted:
        seen = KIND_FOR_NOTE.get(result.note)
        if seen is not None:
            label = "portrait side" if seen == DocumentKind.CN_ID_PORTRAIT else "national-emblem side"
            raise OcrError(ErrorClass.INVALID_IMAGE, f"This is the {label} of the ID card; please photograph the other side.",
                           code="wrong_side", vendor_request_id=request_id)
        raise OcrError(ErrorClass.INVALID_IMAGE, "No Chinese ID card was found in the photo. Please photograph the card.",
                       code="no_id_card", vendor_request_id=request_id)
    fields = {}
    for vendor_name, canonical in mapping.items():
        value = result.detail.get(vendor_name, "")
        if value:
            fields[canonical] = ReadField(iso_date(value) if canonical == "birth_date" else value)
    if not fields:
        raise OcrError(ErrorClass.INVALID_IMAGE, "No text could be read from the ID card. Please take a sharper photo.",
                       code="no_text", vendor_request_id=request_id)
    return Reading(provider, kind, fields, (), raw, request_id)


def general(provider: str, kind: DocumentKind, lines: list[TextLine], raw: dict[str, Any], request_id: str | None) -> Reading:
    """General OCR supplies the MRZ lines of any document (a second reader), nothing more."""
    return Reading(provider, kind, {}, mrz_candidates([line.text for line in lines]), raw, request_id)


def box(values: list[float]) -> Box | None:
    if len(values) != 8:
        return None
    return Box.around([(values[i], values[i + 1]) for i in range(0, 8, 2)])
