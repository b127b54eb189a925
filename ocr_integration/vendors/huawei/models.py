"""Strict response models of the Huawei Cloud / G42 OCR APIs.

# Reference: vendor-docs/001 §3.1 Table 3-4/3-5 (PassportResult; the English edition lost the
# rest of the table, vendor-docs/000 §3.1 has the same 7 of its "13 key fields"), §3.2 Table
# 3-11 (UAE ID), §3.3 Table 3-17 (bank card), §2.4 / §4.2 (error body); vendor-docs/003
# (id-document, IdDocumentItem); vendor-docs/004 Table 4-6 (general-text).

Known fields are type-checked; fields the documents do not list are kept in ``extra`` (vendors
add fields without notice) but never used. A missing ``result`` or a wrongly typed field raises
``ShapeError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..parsing import ShapeError, arr, confidences, obj, opt_int, opt_str, req_str


@dataclass(frozen=True)
class ErrorBody:
    error_code: str
    error_msg: str


def parse_error(data: Any) -> ErrorBody:
    body = obj(data, "error body")
    return ErrorBody(req_str(body, "error_code", "error body"), opt_str(body, "error_msg", "error body") or "")


@dataclass(frozen=True)
class StructuredResult:
    """A result object of string fields plus ``confidence`` (passport, UAE ID, bank card, id-document)."""

    values: dict[str, str]
    confidence: dict[str, float]
    extra_info: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


PASSPORT_FIELDS = (
    # the 7 the documents list, then the 6 more of Huawei's "13 key fields" (optional here)
    "country_code", "passport_number", "surname", "given_name", "sex", "date_of_birth", "date_of_expiry",
    "passport_type", "nationality", "date_of_issue", "place_of_birth", "place_of_issue", "issuing_authority",
)
EMIRATES_FIELDS = (
    "side", "id_number", "name_arabic", "name", "nationality_arabic", "nationality", "sex",
    "date_of_birth", "expiry_date", "card_number", "country_code", "machinecode1", "machinecode2",
    "machinecode3", "laser_number", "issue_date", "occupation", "employer",
)
BANKCARD_FIELDS = ("type", "card_number", "issue_date", "expiry_date", "card_holder", "bank_name")
ID_DOCUMENT_FIELDS = (
    "country_region", "id_type", "side", "first_name", "last_name", "sex", "nationality", "birth_date",
    "issue_date", "expiry_date", "document_number", "address", "issuing_authority",
)
NEVER_KEPT = frozenset({"portrait_image"})  # an image of the applicant's face: never stored


def parse_structured(data: Any, names: tuple[str, ...], where: str) -> StructuredResult:
    top = obj(data, "response")
    result = obj(top.get("result"), f"{where}.result")
    values = {}
    for name in names:
        value = opt_str(result, name, f"{where}.result")
        if value is not None:
            values[name] = value
    extra_info = result.get("extra_info") or {}
    if not isinstance(extra_info, dict):
        raise ShapeError(f"{where}.result.extra_info is not an object")
    extra = {
        k: v for k, v in result.items()
        if k not in names and k not in ("confidence", "extra_info") and k not in NEVER_KEPT
    }
    return StructuredResult(values, confidences(result, f"{where}.result"), extra_info, extra)


@dataclass(frozen=True)
class WordsBlock:
    words: str
    location: list[tuple[float, float]]


@dataclass(frozen=True)
class GeneralTextResult:
    direction: int | None
    blocks: list[WordsBlock]


def parse_general_text(data: Any) -> GeneralTextResult:
    top = obj(data, "response")
    result = obj(top.get("result"), "general-text.result")
    direction = opt_int(result, "direction", "general-text.result")
    blocks = []
    for index, raw in enumerate(arr(result.get("words_block_list", []), "general-text.result.words_block_list")):
        where = f"general-text.result.words_block_list[{index}]"
        item = obj(raw, where)
        words = req_str(item, "words", where)
        blocks.append(WordsBlock(words, _location(arr(item.get("location", []), f"{where}.location"), where)))
    count = opt_int(result, "words_block_count", "general-text.result")
    if count is not None and count != len(blocks):
        raise ShapeError("general-text.result.words_block_count does not match words_block_list")
    return GeneralTextResult(direction, blocks)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _location(raw: list[Any], where: str) -> list[tuple[float, float]]:
    """vendor-docs/004 Table 4-6 types ``location`` as an array of integers (x1, y1, x2, y2 ...)
    while its example answers ``[[x, y], ...]`` pairs: both forms are accepted."""
    if all(_number(v) for v in raw):
        if len(raw) % 2:
            raise ShapeError(f"{where}.location holds an odd number of coordinates")
        return [(float(raw[i]), float(raw[i + 1])) for i in range(0, len(raw), 2)]
    points = []
    for point in raw:
        if not (isinstance(point, list) and len(point) == 2 and all(_number(v) for v in point)):
            raise ShapeError(f"{where}.location holds neither [x, y] points nor a flat list of coordinates")
        points.append((float(point[0]), float(point[1])))
    return points


def sanitized(data: Any) -> Any:
    """The response as kept for audit: without any image the vendor sent back."""
    if isinstance(data, dict):
        return {k: sanitized(v) for k, v in data.items() if k not in NEVER_KEPT}
    if isinstance(data, list):
        return [sanitized(v) for v in data]
    return data
