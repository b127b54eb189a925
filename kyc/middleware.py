"""Request and response hardening that Django has no setting for.

- ``RequestBodyLimitMiddleware`` refuses an oversized request from its Content-Length, before a
  byte of the body is read or spooled to disk (Django would otherwise stream the whole upload to a
  temporary file and only then let ``kyc.uploads`` refuse it).
- ``SecurityHeadersMiddleware`` adds a Content-Security-Policy, a Permissions-Policy and
  ``Cache-Control: no-store``. Django 5.2 has no CSP of its own. A small middleware rather than
  the ``django-csp`` package: our policy is one static string (the templates load every script
  and stylesheet from static files, so no nonces or hashes are needed), and one dependency less
  is one settings format less to follow across its major versions.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext


def _limit_bytes() -> int:
    # The file may be UPLOAD_MAX_BYTES; the multipart envelope and the other fields add a little.
    return settings.UPLOAD_MAX_BYTES + settings.REQUEST_BODY_OVERHEAD_BYTES


class RequestBodyLimitMiddleware:
    """413 for a request whose declared body is larger than any upload we accept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django treats a malformed length as no body at all
        if declared > _limit_bytes():
            return self._refuse(request, declared)
        return self.get_response(request)

    @staticmethod
    def _refuse(request, declared: int) -> HttpResponse:
        limit_mb = settings.UPLOAD_MAX_BYTES / 1_048_576
        message = (
            f"The upload is {declared / 1_048_576:.1f} MB; the limit is {limit_mb:.0f} MB per file. "
            "Please choose a smaller photo."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "request_too_large", "detail": message}, status=413)
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
