"""Strict response models of the CTyun OCR APIs.

# Reference: vendor-docs/002 §4.3.1 通用型OCR 7、返回值说明 / 8、返回值示例 and §4.3.2 身份证识别
# (success: statusCode 0, message {success, fail}, returnObj list in request order, a failed
# image as {err_code, err_msg}; failure: statusCode, message "error", details, error "AI_OP_...").

Pydantic models in strict mode. Where the document allows two forms both are accepted: the status
as ``statusCode`` or ``code`` (number or string), an item error as ``err_code``/``err_msg`` or
``errorCode``/``errorMessage``, an ID card's ``detail`` as an object or as JSON text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from ..schema import ShapeError, validate


class _Model(BaseModel):
    # Unknown keys are allowed and never used: vendors add fields without notice.
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


@dataclass(frozen=True)
class ItemError:
    err_code: str
    err_msg: str


@dataclass(frozen=True)
class Envelope:
    items: list[dict[str, Any] | ItemError]


@dataclass(frozen=True)
class FailureBody:
    code: str
    details: str


class _FailureModel(_Model):
    error: str | int | None = None
    statusCode: int | str | None = None  # noqa: N815 - the vendor's key
    code: int | str | None = None
    # Free text in any form; only a string is shown.
    details: Any = None
    message: Any = None


def parse_failure(data: Any) -> FailureBody:
    body = validate(_FailureModel, data, "error body")
    code = body.error or body.statusCode or body.code
    if code in (None, ""):
        raise ShapeError("error body has no code")
    text = body.details if isinstance(body.details, str) else body.message if isinstance(body.message, str) else ""
    return FailureBody(str(code), text)


class _Counts(_Model):
    success: int | None = None
    fail: int | None = None


class _EnvelopeModel(_Model):
    statusCode: int | str | None = None  # noqa: N815 - the vendor's key
    code: int | str | None = None
    message: _Counts
    returnObj: list[dict[str, Any]]  # noqa: N815 - the vendor's key

    @model_validator(mode="after")
    def _success(self, info: ValidationInfo) -> _EnvelopeModel:
        status = self.statusCode if self.statusCode is not None else self.code
        if str(status) != "0":
            raise ValueError("statusCode is not 0 in a success answer")
        expected = (info.context or {}).get("expected")
        if expected is not None and len(self.returnObj) != expected:
            raise ValueError(f"returnObj holds {len(self.returnObj)} results for {expected} images")
        return self


def _item(raw: dict[str, Any]) -> dict[str, Any] | ItemError:
    code = raw.get("err_code", raw.get("errorCode"))
    if code is None:
        return raw
    message = raw.get("err_msg", raw.get("errorMessage", ""))
    return ItemError(str(code), message if isinstance(message, str) else "")


def parse_envelope(data: Any, expected: int) -> Envelope:
    envelope = validate(_EnvelopeModel, data, "response", context={"expected": expected})
    items = [_item(raw) for raw in envelope.returnObj]
    failed = sum(isinstance(i, ItemError) for i in items)
    if envelope.message.fail not in (None, failed):
        raise ShapeError("message.fail does not match the failed results")
    return Envelope(items)


@dataclass(frozen=True)
class IdCardResult:
    note: str
    detail: dict[str, str]


ID_FIELDS = ("name", "sex", "nation", "birthday", "idn", "addr", "org", "validperiod")


class _IdCardDetail(_Model):
    name: str | None = None
    sex: str | None = None
    nation: str | None = None
    birthday: str | None = None
    idn: str | None = None
    addr: str | None = None
    org: str | None = None
    validperiod: str | None = None


class _IdCardItem(_Model):
    note: str
    detail: _IdCardDetail

    @field_validator("detail", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        # §4.3.2's table types ``detail`` as String, its example answers an object: a string
        # holds the same object as JSON text, and both forms are accepted.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ValueError("detail is a string but not a JSON object") from None
        return value


def parse_idcard(item: dict[str, Any], where: str) -> IdCardResult:
    card = validate(_IdCardItem, item, where)
    return IdCardResult(card.note, {name: (getattr(card.detail, name) or "").strip() for name in ID_FIELDS})


@dataclass(frozen=True)
class TextLine:
    text: str
    box: list[float]


class _TextEntry(_Model):
    # §4.3.1 marks ``text`` as optional (是否必选: 否): a line without it reads as empty.
    text: str | None = None
    box: list[float] = []

    @field_validator("box")
    @classmethod
    def _eight_numbers(cls, value: list[float]) -> list[float]:
        if value and len(value) != 8:
            raise ValueError("box is not 8 numbers")
        return value


class _GeneralItem(_Model):
    detail: list[_TextEntry] = []


def parse_general(item: dict[str, Any], where: str) -> list[TextLine]:
    general = validate(_GeneralItem, item, where)
    return [TextLine(entry.text.strip(), [float(v) for v in entry.box])
            for entry in general.detail if entry.text and entry.text.strip()]
