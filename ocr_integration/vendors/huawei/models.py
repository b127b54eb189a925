"""Strict response models of the Huawei Cloud / G42 OCR APIs.

# Reference: vendor-docs/001 §3.1 Table 3-4/3-5 (PassportResult; the English edition lost the
# rest of the table, vendor-docs/000 §3.1 has the same 7 of its "13 key fields"), §3.2 Table
# 3-11 (UAE ID), §3.3 Table 3-17 (bank card), §2.4 / §4.2 (error body); vendor-docs/003
# (id-document, IdDocumentItem); vendor-docs/004 Table 4-6 (general-text).

Pydantic models in strict mode: known fields are type-checked (a string field holding a number
is an error); fields the documents do not list are kept in ``extra`` (vendors add fields without
notice) but never used. A missing ``result`` or a wrongly typed field raises ``ShapeError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..schema import validate


class _Model(BaseModel):
    # Unknown keys are kept (``model_extra``), never an error: vendors add fields without notice.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class ErrorBody(_Model):
    error_code: str
    error_msg: str = ""

    @field_validator("error_msg", mode="before")
    @classmethod
    def _absent_message(cls, value: Any) -> Any:
        return "" if value is None else value


def parse_error(data: Any) -> ErrorBody:
    return validate(ErrorBody, data, "error body")


Confidence = Annotated[float, Field(ge=0, le=1)]


class _Structured(_Model):
    """A result object of string fields plus ``confidence`` (and, for some, ``extra_info``)."""

    confidence: dict[str, Confidence] | None = None
    extra_info: dict[str, Any] | None = None


class PassportResult(_Structured):
    # the 7 the documents list, then the 6 more of Huawei's "13 key fields" (optional here)
    country_code: str | None = None
    passport_number: str | None = None
    surname: str | None = None
    given_name: str | None = None
    sex: str | None = None
    date_of_birth: str | None = None
    date_of_expiry: str | None = None
    passport_type: str | None = None
    nationality: str | None = None
    date_of_issue: str | None = None
    place_of_birth: str | None = None
    place_of_issue: str | None = None
    issuing_authority: str | None = None


class EmiratesIdResult(_Structured):
    side: str | None = None
    id_number: str | None = None
    name_arabic: str | None = None
    name: str | None = None
    nationality_arabic: str | None = None
    nationality: str | None = None
    sex: str | None = None
    date_of_birth: str | None = None
    expiry_date: str | None = None
    card_number: str | None = None
    country_code: str | None = None
    machinecode1: str | None = None
    machinecode2: str | None = None
    machinecode3: str | None = None
    laser_number: str | None = None
    issue_date: str | None = None
    occupation: str | None = None
    employer: str | None = None


class BankCardResult(_Structured):
    type: str | None = None
    card_number: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    card_holder: str | None = None
    bank_name: str | None = None


class IdDocumentResult(_Structured):
    country_region: str | None = None
    id_type: str | None = None
    side: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    sex: str | None = None
    nationality: str | None = None
    birth_date: str | None = None
    issue_date: str | None = None
    expiry_date: str | None = None
    document_number: str | None = None
    address: str | None = None
    issuing_authority: str | None = None


class PassportResponse(_Model):
    result: PassportResult


class EmiratesIdResponse(_Model):
    result: EmiratesIdResult


class BankCardResponse(_Model):
    result: BankCardResult


class IdDocumentResponse(_Model):
    result: IdDocumentResult


NEVER_KEPT = frozenset({"portrait_image"})  # an image of the applicant's face: never stored


@dataclass(frozen=True)
class StructuredResult:
    """What the normalisers read: the documented string fields, confidences, the rest apart."""

    values: dict[str, str]
    confidence: dict[str, float]
    extra_info: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def parse_structured(data: Any, response: type[_Model], where: str) -> StructuredResult:
    result: _Structured = validate(response, data, where).result  # type: ignore[attr-defined]
    values = {name: getattr(result, name) for name in type(result).model_fields
              if name not in ("confidence", "extra_info") and getattr(result, name) is not None}
    extra = {k: v for k, v in (result.model_extra or {}).items() if k not in NEVER_KEPT}
    return StructuredResult(values, dict(result.confidence or {}), dict(result.extra_info or {}), extra)


def _points(raw: list[float] | list[list[float]]) -> list[tuple[float, float]]:
    if raw and isinstance(raw[0], list):
        return [(float(p[0]), float(p[1])) for p in raw]  # type: ignore[index]
    flat: list[float] = raw  # type: ignore[assignment]
    return [(float(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]


class WordsBlockModel(_Model):
    words: str
    # vendor-docs/004 Table 4-6 types ``location`` as an array of integers (x1, y1, x2, y2 ...)
    # while its example answers ``[[x, y], ...]`` pairs: both forms are accepted.
    location: list[float] | list[list[float]] = []

    @field_validator("location")
    @classmethod
    def _pairs_or_even(cls, value: list[float] | list[list[float]]) -> list[float] | list[list[float]]:
        if value and isinstance(value[0], list):
            if any(len(point) != 2 for point in value):  # type: ignore[arg-type]
                raise ValueError("location holds neither [x, y] points nor a flat list of coordinates")
        elif len(value) % 2:
            raise ValueError("location holds an odd number of coordinates")
        return value


class GeneralTextResultModel(_Model):
    direction: int | None = None
    words_block_list: list[WordsBlockModel] = []
    words_block_count: int | None = None

    @model_validator(mode="after")
    def _count_matches(self) -> GeneralTextResultModel:
        if self.words_block_count is not None and self.words_block_count != len(self.words_block_list):
            raise ValueError("words_block_count does not match words_block_list")
        return self


class GeneralTextResponse(_Model):
    result: GeneralTextResultModel


@dataclass(frozen=True)
class WordsBlock:
    words: str
    location: list[tuple[float, float]]


@dataclass(frozen=True)
class GeneralTextResult:
    direction: int | None
    blocks: list[WordsBlock]


def parse_general_text(data: Any) -> GeneralTextResult:
    result = validate(GeneralTextResponse, data, "general-text").result
    return GeneralTextResult(result.direction,
                             [WordsBlock(b.words, _points(b.location)) for b in result.words_block_list])


class _IamToken(_Model):
    expires_at: str | None = None


class IamTokenResponse(_Model):
    """vendor-docs/001 §2.3 "Token-based Authentication": only ``token.expires_at`` is read."""

    token: _IamToken


def sanitized(data: Any) -> Any:
    """The response as kept for audit: without any image the vendor sent back."""
    if isinstance(data, dict):
        return {k: sanitized(v) for k, v in data.items() if k not in NEVER_KEPT}
    if isinstance(data, list):
        return [sanitized(v) for v in data]
    return data
