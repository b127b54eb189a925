"""Huawei / G42 results -> the canonical :class:`Reading`.

# Reference: vendor-docs/001 §3.1-§3.3, vendor-docs/003, vendor-docs/004 (field meanings);
# ocr_integration/documents/reading.py (canonical names).
"""

from __future__ import annotations

import re
from typing import Any

from ...documents.kinds import DocumentKind
from ...documents.reading import Box, ReadField, Reading
from ..values import card_brand, iso_date, luhn_valid, mask_card, mrz_candidates, sex_code
from .models import GeneralTextResult, StructuredResult

DATE_FIELDS = {"birth_date", "expiry_date", "issue_date"}


def _fields(result: StructuredResult, mapping: dict[str, str]) -> dict[str, ReadField]:
    fields: dict[str, ReadField] = {}
    for vendor_name, canonical in mapping.items():
        value = result.values.get(vendor_name, "").strip()
        if not value:
            continue
        if canonical in DATE_FIELDS:
            value = iso_date(value)
        elif canonical == "sex":
            value = sex_code(value)
        fields[canonical] = ReadField(value, result.confidence.get(vendor_name))
    return fields


PASSPORT_MAP = {
    "passport_type": "document_code", "country_code": "issuing_state", "passport_number": "document_number",
    "nationality": "nationality", "surname": "surname", "given_name": "given_names", "sex": "sex",
    "date_of_birth": "birth_date", "date_of_expiry": "expiry_date", "date_of_issue": "issue_date",
    "place_of_birth": "place_of_birth", "place_of_issue": "place_of_issue",
    "issuing_authority": "issuing_authority",
}
_LOCAL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


def passport(provider: str, result: StructuredResult, raw: dict[str, Any], request_id: str | None) -> Reading:
    # Huawei reads the visual zone only on Chinese passports; on others these are the fields it
    # derived from the MRZ. Both are kept as given.
    fields = _fields(result, PASSPORT_MAP)
    # ``extra_info``: the same fields "expressed in the local official language" (vendor-docs/001
    # §3.1), keys undocumented: each string value becomes ``local_<key>`` for the reviewer.
    for key, value in result.extra_info.items():
        if isinstance(value, str) and value.strip() and _LOCAL_KEY.match(str(key)):
            fields[f"local_{key}"] = ReadField(value.strip(), None)
    return Reading(provider, DocumentKind.PASSPORT, fields, (), raw, request_id)


EMIRATES_FRONT_MAP = {
    "id_number": "id_number", "name": "full_name", "name_arabic": "full_name_arabic",
    "nationality": "nationality", "nationality_arabic": "nationality_arabic", "sex": "sex", "date_of_birth": "birth_date", "expiry_date": "expiry_date",
    "issue_date": "issue_date", "occupation": "occupation", "employer": "employer",
}
EMIRATES_BACK_MAP = {
    "card_number": "card_number", "country_code": "issuing_state", "id_number": "id_number",
    "sex": "sex", "date_of_birth": "birth_date", "expiry_date": "expiry_date", "nationality": "nationality",
    "occupation": "occupation", "employer": "employer", "issue_date": "issue_date",
    "laser_number": "laser_number",
}


# vendor-docs/001 Table 3-11 and its two examples: what only one side of the card carries.
EMIRATES_FRONT_ONLY = ("name", "name_arabic", "nationality_arabic")
EMIRATES_BACK_ONLY = ("card_number", "laser_number", "occupation", "employer")
EMIRATES_MRZ = ("machinecode1", "machinecode2", "machinecode3")


def emirates_side_seen(values: dict[str, str]) -> str | None:
    """Which side of an Emirates ID the answer's content shows: "front", "back", or None when
    nothing of either came back.

    We always send ``side`` (the document asks for it, for accuracy) and it never says whether
    the answer's ``side`` is then the detected side or an echo of ours. So the content decides:
    the MRZ is printed on the back only; failing that, the fields only one side carries. The
    vendor's ``side`` is a signal only when the content says nothing either way.
    """
    def present(names: tuple[str, ...]) -> bool:
        return any(values.get(name, "").strip() for name in names)

    if present(EMIRATES_MRZ):
        return "back"
    front, back = present(EMIRATES_FRONT_ONLY), present(EMIRATES_BACK_ONLY)
    if front != back:
        return "front" if front else "back"
    answered = values.get("side", "").strip().lower()
    if answered in ("front", "back") and (front or back or values.get("id_number", "").strip()):
        return answered
    return None


def emirates_id(
    provider: str, kind: DocumentKind, result: StructuredResult, raw: dict[str, Any], request_id: str | None
) -> Reading:
    if kind == DocumentKind.EMIRATES_ID_BACK:
        mrz = tuple(
            result.values[name].replace(" ", "")
            for name in ("machinecode1", "machinecode2", "machinecode3")
            if result.values.get(name, "").strip()
        )
        return Reading(provider, kind, _fields(result, EMIRATES_BACK_MAP), mrz, raw, request_id)
    return Reading(provider, kind, _fields(result, EMIRATES_FRONT_MAP), (), raw, request_id)


ID_DOCUMENT_MAP = {
    "first_name": "given_names", "last_name": "surname", "sex": "sex", "nationality": "nationality",
    "birth_date": "birth_date", "issue_date": "issue_date", "expiry_date": "expiry_date",
    "document_number": "document_number", "address": "address", "issuing_authority": "issuing_authority",
    "country_region": "issuing_state",
}
ID_TYPE_CODE = {"PP": "P", "ID": "ID", "DL": "DL"}


def id_document(
    provider: str, kind: DocumentKind, result: StructuredResult, raw: dict[str, Any], request_id: str | None
) -> Reading:
    fields = _fields(result, ID_DOCUMENT_MAP)
    id_type = result.values.get("id_type", "")
    if id_type in ID_TYPE_CODE:
        fields["document_code"] = ReadField(ID_TYPE_CODE[id_type], result.confidence.get("id_type"))
    return Reading(provider, kind, fields, (), raw, request_id)


def bankcard(provider: str, result: StructuredResult, raw: dict[str, Any], request_id: str | None) -> Reading:
    fields: dict[str, ReadField] = {}
    conf = result.confidence
    digits = "".join(ch for ch in result.values.get("card_number", "") if ch.isdigit())
    if digits:
        fields["card_number_masked"] = ReadField(mask_card(digits), conf.get("card_number"))
        fields["card_number_luhn"] = ReadField("valid" if luhn_valid(digits) else "invalid", conf.get("card_number"))
        fields["card_brand"] = ReadField(card_brand(digits), conf.get("type"))
    for vendor_name, canonical in (("expiry_date", "card_expiry"), ("issue_date", "card_issue_date")):
        value = result.values.get(vendor_name, "").strip()
        if value:  # MM/YY as printed ("12/10" in the document's example)
            fields[canonical] = ReadField(value, conf.get(vendor_name))
    for vendor_name, canonical in (("card_holder", "cardholder_name"), ("bank_name", "bank_name")):
        value = result.values.get(vendor_name, "").strip()
        if value:
            fields[canonical] = ReadField(value, conf.get(vendor_name))
    # The full card number never leaves the normaliser: mask it in the kept response too.
    kept = dict(raw)
    if isinstance(kept.get("result"), dict) and "card_number" in kept["result"]:
        kept["result"] = {**kept["result"], "card_number": mask_card(digits)}
    return Reading(provider, DocumentKind.BANK_CARD, fields, (), kept, request_id)


def general_text(
    provider: str, kind: DocumentKind, result: GeneralTextResult, raw: dict[str, Any], request_id: str | None
) -> Reading:
    """A general-text read supplies only what needs no layout knowledge: the MRZ lines."""
    lines = [block.words for block in result.blocks]
    mrz = mrz_candidates(lines)
    return Reading(provider, kind, {}, mrz, raw, request_id)


def box_of(points: list[tuple[float, float]]) -> Box | None:
    return Box.around(points) if points else None
