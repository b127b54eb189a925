"""One error body for every refusal of the API::

    {"error": {"code": "validation_failed", "message": "…", "fields": {"email": ["…"]}}}

``code`` is stable (clients switch on it), ``message`` is for people, ``fields`` appears only for
invalid input fields.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from kyc.errors import KycError

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """An API refusal with its own code and status."""

    def __init__(self, code: str, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(detail=message, code=code)
        self.status_code = status_code
        self.error_code = code


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {name: [str(item) for item in (value if isinstance(value, list) else [value])]
                for name, value in detail.items()}
    return {"non_field_errors": [str(item) for item in (detail if isinstance(detail, list) else [detail])]}


def _first_message(fields: dict) -> str:
    for name, messages in fields.items():
        if messages:
            return messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
    return "The request is not valid."


_DRF_CODES = {
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "malformed_request",
    exceptions.Throttled: "rate_limited",
}


def api_exception_handler(exc, context):
    """DRF's exception handler, with our domain errors mapped and one body shape for all."""
    headers = {}
    if isinstance(exc, ApiError):
        return Response(error_body(exc.error_code, str(exc.detail)), status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        return Response(
            error_body("invalid_request", _first_message(fields), fields), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource.")
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail if isinstance(exc.detail, str) else _first_message(_flatten(exc.detail))
        return Response(error_body(code, str(detail)), status=exc.status_code, headers=headers)
    if isinstance(exc, KycError):
        # The domain's one mapping: its code, its status, its message in the request's language.
        return Response(error_body(exc.code, str(exc)), status=exc.http_status)
    # A bug: logged with its type only (the request may carry personal data), answered in our shape.
    logger.exception("unhandled error in API view %s", type(context.get("view")).__name__)
    return Response(
        error_body("internal_error", "Something went wrong on our side; the request was not completed. Retry later."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
