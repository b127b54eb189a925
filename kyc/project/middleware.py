"""Request and response hardening that Django has no setting for.

- ``RequestBodyLimitMiddleware`` refuses an oversized request from its Content-Length, before a
  byte of the body is read or spooled to disk (Django would otherwise stream the whole upload to a
  temporary file and only then let ``kyc.uploads.prepare`` refuse it): a multipart upload above
  ``UPLOAD_MAX_BYTES`` plus the envelope, any other body (JSON, a form) above
  ``DATA_UPLOAD_MAX_MEMORY_SIZE``. It also refuses a NUL byte anywhere in the query string: no
  filter needs one, and PostgreSQL refuses it in a text parameter (a 500 where it reached a query).
- ``SecurityHeadersMiddleware`` adds a Content-Security-Policy, a Permissions-Policy and
  ``Cache-Control: no-store``. Django 5.2 has no CSP of its own. A small middleware rather than
  the ``django-csp`` package: our policy is one static string (the templates load every script
  and stylesheet from static files, so no nonces or hashes are needed), and one dependency less
  is one settings format less to follow across its major versions.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext


def _limit_bytes(content_type: str) -> int:
    if content_type.startswith("multipart/"):
        # The file may be UPLOAD_MAX_BYTES; the multipart envelope and the other fields add a little.
        return settings.UPLOAD_MAX_BYTES + settings.REQUEST_BODY_OVERHEAD_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, round(n / 1024))} kB"


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    # The API's one error body (kyc.api.errors.error_body), written here because this runs before DRF.
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


class RequestBodyLimitMiddleware:
    """413 for a request whose declared body is larger than we accept; 400 for a NUL in the query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django treats a malformed length as no body at all
        content_type = request.META.get("CONTENT_TYPE", "")
        if declared > _limit_bytes(content_type):
            return self._refuse(request, declared, content_type)
        if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
            refused = self._refuse_nul(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def _refuse_nul(request) -> HttpResponse | None:
        names = [name for name, value in parse_qsl(request.META["QUERY_STRING"], keep_blank_values=True)
                 if "\x00" in name or "\x00" in value]
        if not names:
            return None
        message = f"The filter {names[0].replace(chr(0), '')!r} contains a NUL character (%00); remove it."
        if request.path.startswith("/api/"):
            return _api_error("invalid_request", message, 400)
        return HttpResponse(
            f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{message}</p>",
            status=400, content_type="text/html; charset=utf-8",
        )

    @staticmethod
    def _refuse(request, declared: int, content_type: str) -> HttpResponse:
        limit = _limit_bytes(content_type)
        limit_mb = (settings.UPLOAD_MAX_BYTES if content_type.startswith("multipart/") else limit) / 1_048_576
        if content_type.startswith("multipart/"):
            message = (
                f"The upload is {declared / 1_048_576:.1f} MB; the limit is {limit_mb:.0f} MB per file. "
                "Please choose a smaller photo."
            )
        else:
            message = f"The request body is {_size(declared)}; the limit is {_size(limit)}."
        if request.path.startswith("/api/"):
            response = _api_error("request_too_large", message, 413)
        else:
            # An applicant's page: in their language, although LocaleMiddleware has not run yet.
            with translation.override(translation.get_language_from_request(request)):
                explanation = gettext(
                    "The file is %(size).1f MB; the limit is %(limit).0f MB. Please upload a smaller photo."
                ) % {"size": declared / 1_048_576, "limit": limit_mb}
                response = HttpResponse(
                    render_to_string("413.html", {"explanation": explanation}),
                    status=413,
                    content_type="text/html; charset=utf-8",
                )
        # The body is left unread; the WSGI server drains or drops it (Connection is its header, not ours).
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and no caching of pages that hold personal data."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            f"{directive} {' '.join(sources)}".strip() for directive, sources in settings.CONTENT_SECURITY_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        # A view that needs a different policy (an API documentation page, say) sets its own.
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            # Case pages, document images and API answers hold personal data: no shared or back-button cache.
            if "Cache-Control" not in response.headers:
                response.headers["Cache-Control"] = "no-store"
        return response
