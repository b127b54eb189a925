"""Strict reading of vendor JSON: every unexpected shape becomes one clear OcrError, never KeyError."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from ..provider import ErrorClass, OcrError


class ShapeError(ValueError):
    """The vendor's JSON does not have the documented shape (the message says which part);
    ``malformed`` when the body is not JSON at all (truncated or garbled on the way)."""

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


def loads(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShapeError("the body is not JSON", malformed=True) from exc


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"{where} is not an object")
    return value


def arr(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ShapeError(f"{where} is not a list")
    return value


def opt_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ShapeError(f"{where}.{key} is not a string")
    return value


def req_str(data: dict[str, Any], key: str, where: str) -> str:
    value = opt_str(data, key, where)
    if value is None:
        raise ShapeError(f"{where}.{key} is missing")
    return value


def opt_int(data: dict[str, Any], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{where}.{key} is not an integer")
    return value


def confidences(data: dict[str, Any], where: str) -> dict[str, float]:
    value = data.get("confidence")
    if value is None:
        return {}
    result: dict[str, float] = {}
    for key, number in obj(value, f"{where}.confidence").items():
        if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 1:
            raise ShapeError(f"{where}.confidence.{key} is not a number between 0 and 1")
        result[str(key)] = float(number)
    return result


def unexpected(vendor: str, exc: ShapeError, *, status: int | None, request_id: str | None) -> OcrError:
    malformed = exc.malformed
    return OcrError(
        # A truncated or garbled body is usually a proxy or network fault: retrying can help.
        ErrorClass.TRANSIENT if malformed else ErrorClass.UNKNOWN,
        f"{vendor} answered in a form we do not understand ({exc}).",
        code="malformed_response" if malformed else "unexpected_response",
        vendor_message=str(exc),
        http_status=status,
        vendor_request_id=request_id,
    )


# --- value normalisation shared by the normalisers -------------------------------------------

_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 2, 1)),  # UAE cards print dd/mm/yyyy
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (3, 2, 1)),
]


def iso_date(value: str) -> str:
    """ISO ``YYYY-MM-DD`` when the printed date is unambiguous; otherwise the value as printed,
    so that the cross-checks flag it rather than us guessing."""
    text = value.strip().replace(" ", "")
    for pattern, (y, m, d) in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match.group(y)), int(match.group(m)), int(match.group(d))).isoformat()
            except ValueError:
                return value.strip()
    return value.strip()


def sex_code(value: str) -> str:
    text = value.strip()
    upper = text.upper()
    # Emirates IDs print the sex in Arabic too: ذكر (male), أنثى / انثى (female).
    if upper in ("M", "MALE") or text == "ذكر":
        return "M"
    if upper in ("F", "FEMALE") or text in ("أنثى", "انثى"):
        return "F"
    if upper in ("X", "<"):
        return "X"
    return text  # 男 / 女 are kept as printed (canonical rule for Chinese IDs)


_MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")


def mrz_candidates(lines: list[str]) -> tuple[str, ...]:
    """Lines of text that look like an MRZ (TD1 30, TD2 36, TD3 44 characters), top to bottom."""
    found = []
    for line in lines:
        compact = line.replace(" ", "").upper().replace("«", "<")
        if len(compact) in (30, 36, 44) and _MRZ_CHARS.match(compact) and "<" in compact:
            found.append(compact)
    return tuple(found)


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


def card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in {"51", "52", "53", "54", "55"} or (len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720):
        return "mastercard"
    if digits[:2] in {"34", "37"}:
        return "amex"
    if digits.startswith("62"):
        return "unionpay"
    return "unknown"


def mask_card(digits: str) -> str:
    return digits[:6] + "*" * max(0, len(digits) - 10) + digits[-4:] if len(digits) >= 10 else "*" * len(digits)
