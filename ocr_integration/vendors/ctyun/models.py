"""Strict response models of the CTyun OCR APIs.

# Reference: vendor-docs/002 §4.3.1 通用型OCR 7、返回值说明 / 8、返回值示例 and §4.3.2 身份证识别
# (success: statusCode 0, message {success, fail}, returnObj list in request order, a failed
# image as {err_code, err_msg}; failure: statusCode, message "error", details, error "AI_OP_...").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..parsing import ShapeError, arr, obj, opt_str, req_str


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


def parse_failure(data: Any) -> FailureBody:
    body = obj(data, "error body")
    code = body.get("error") or body.get("statusCode") or body.get("code")
    if code in (None, ""):
        raise ShapeError("error body has no code")
    details = body.get("details")
    message = body.get("message")
    text = details if isinstance(details, str) else message if isinstance(message, str) else ""
    return FailureBody(str(code), text)


def parse_envelope(data: Any, expected: int) -> Envelope:
    top = obj(data, "response")
    status = top.get("statusCode", top.get("code"))
    if str(status) != "0":
        raise ShapeError("statusCode is not 0 in a success answer")
    message = obj(top.get("message"), "message")
    items_raw = arr(top.get("returnObj"), "returnObj")
    if len(items_raw) != expected:
        raise ShapeError(f"returnObj holds {len(items_raw)} results for {expected} images")
    items: list[dict[str, Any] | ItemError] = []
    for index, raw in enumerate(items_raw):
        item = obj(raw, f"returnObj[{index}]")
        code = item.get("err_code", item.get("errorCode"))
        if code is not None:
            msg = item.get("err_msg", item.get("errorMessage", ""))
            items.append(ItemError(str(code), msg if isinstance(msg, str) else ""))
        else:
            items.append(item)
    failed = sum(isinstance(i, ItemError) for i in items)
    if message.get("fail") not in (None, failed):
        raise ShapeError("message.fail does not match the failed results")
    return Envelope(items)


@dataclass(frozen=True)
class IdCardResult:
    note: str
    detail: dict[str, str]


ID_FIELDS = ("name", "sex", "nation", "birthday", "idn", "addr", "org", "validperiod")


def parse_idcard(item: dict[str, Any], where: str) -> IdCardResult:
    note = req_str(item, "note", where)
    detail_raw = item.get("detail")
    if isinstance(detail_raw, str):
        # §4.3.2's table types ``detail`` as String, its example answers an object: a string
        # holds the same object as JSON text, and both forms are accepted.
        try:
            detail_raw = json.loads(detail_raw)
        except ValueError as exc:
            raise ShapeError(f"{where}.detail is a string but not a JSON object") from exc
    detail_raw = obj(detail_raw, f"{where}.detail")
    detail = {}
    for name in ID_FIELDS:
        value = opt_str(detail_raw, name, f"{where}.detail")
        detail[name] = (value or "").strip()
    return IdCardResult(note, detail)


@dataclass(frozen=True)
class TextLine:
    text: str
    box: list[float]


def parse_general(item: dict[str, Any], where: str) -> list[TextLine]:
    lines = []
    for index, raw in enumerate(arr(item.get("detail", []), f"{where}.detail")):
        entry = obj(raw, f"{where}.detail[{index}]")
        # §4.3.1 marks ``text`` as optional (是否必选: 否): a line without it reads as empty.
        text = opt_str(entry, "text", f"{where}.detail[{index}]") or ""
        box = arr(entry.get("box", []), f"{where}.detail[{index}].box")
        if box and (len(box) != 8 or not all(isinstance(v, int | float) for v in box)):
            raise ShapeError(f"{where}.detail[{index}].box is not 8 numbers")
        if text.strip():
            lines.append(TextLine(text.strip(), [float(v) for v in box]))
    return lines
