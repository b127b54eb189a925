"""Reading vendor JSON strictly with pydantic: every unexpected shape becomes one ``ShapeError``
that says where, and one clear ``OcrError`` for the caller, never a KeyError.

The response models (``huawei/models.py``, ``ctyun/models.py``) are pydantic models in strict
mode: a string field holding a number, a number holding a boolean or a missing required field
is a shape error, exactly as the vendors' documents type them; where a document allows two forms
(or its table and its example disagree), the model accepts both.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..provider import ErrorClass, OcrError

Model = TypeVar("Model", bound=BaseModel)


class ShapeError(ValueError):
    """The vendor's answer does not have the documented shape (the message says which part).

    ``malformed`` is True when the body is not JSON at all: usually a proxy or a cut connection,
    so retrying can help; a JSON body of the wrong shape will not improve on retry.
    """

    def __init__(self, message: str, *, malformed: bool = False) -> None:
        super().__init__(message)
        self.malformed = malformed


def loads(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ShapeError("the body is not JSON", malformed=True) from exc


def validate(model: type[Model], data: Any, where: str, *, context: dict[str, Any] | None = None) -> Model:
    """``data`` as ``model``, strictly; a ShapeError naming the first wrong part otherwise."""
    try:
        return model.model_validate(data, strict=True, context=context)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
        raise ShapeError(f"{where}{path}: {first['msg']}") from None


def unexpected(vendor: str, exc: ShapeError, *, status: int | None, request_id: str | None) -> OcrError:
    return OcrError(
        # A truncated or garbled body is usually a proxy or network fault: retrying can help.
        ErrorClass.TRANSIENT if exc.malformed else ErrorClass.UNKNOWN,
        f"{vendor} answered in a form we do not understand ({exc}).",
        code="malformed_response" if exc.malformed else "unexpected_response",
        vendor_message=str(exc),
        http_status=status,
        vendor_request_id=request_id,
    )
