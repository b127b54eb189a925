"""IAM tokens for Huawei Cloud / G42, cached once for every worker process.

# Reference: vendor-docs/001 §2.3 "Token-based Authentication": POST /v3/auth/tokens with a
# password identity scoped to a project; the token is the ``X-Subject-Token`` response header
# and is valid for 24 hours ("cache it to avoid frequent calling").

The token lives in a Django cache (``settings.OCR_VENDOR_CACHE_ALIAS``: Redis in production, the
file cache on the quick start), so all processes share it.
one process fetches, under a cross-process lock, while the others wait for its token instead of
all calling IAM at once.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches

from ...provider import ErrorClass, OcrError
from .. import attempts, http
from ..coordination import cross_process_lock
from ..errors import classify_huawei_status
from ..schema import ShapeError, loads, validate
from .models import IamTokenResponse

TOKEN_LIFETIME = 24 * 3600
REFRESH_MARGIN = 15 * 60  # drop a cached token this long before the vendor would


def _cache():
    return caches[settings.OCR_VENDOR_CACHE_ALIAS]


class TokenProvider:
    def __init__(self, *, provider: str, iam_endpoint: str, domain_name: str, username: str, password: str,
                 project_name: str, project_id: str = "") -> None:
        self.provider = provider
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.domain_name = domain_name
        self.username = username
        self.password = password
        self.project_name = project_name
        self.project_id = project_id
        identity = "|".join([self.iam_endpoint, domain_name, username, project_name, project_id])
        self.key = "ocr:iam-token:" + hashlib.sha256(identity.encode()).hexdigest()[:32]

    def token(self) -> str:
        cache = _cache()
        cached = cache.get(self.key)
        if cached:
            return cached
        # One process fetches while the others wait for its token instead of all calling IAM.
        with cross_process_lock(self.key, timeout=20) as won:
            cached = cache.get(self.key)  # another process may have just finished
            if cached:
                return cached
            token, expires_at = self._fetch()
            if won:  # a holder that is stuck past the timeout keeps the cache to itself
                cache.set(self.key, token, timeout=max(1, int(expires_at - time.time() - REFRESH_MARGIN)))
            return token

    def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is still the cached one (never a newer one another process got)."""
        cache = _cache()
        if cache.get(self.key) == token:
            cache.delete(self.key)

    def _body(self) -> bytes:
        scope = {"project": {"id": self.project_id}} if self.project_id and not self.project_name else {
            "project": {"name": self.project_name}
        }
        return json.dumps({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"name": self.username, "password": self.password,
                                          "domain": {"name": self.domain_name}}},
                },
                "scope": scope,
            }
        }).encode()

    def _fetch(self) -> tuple[str, float]:
        url = f"{self.iam_endpoint}/v3/auth/tokens"
        try:
            exchange = http.post(url, content=self._body(), headers={"Content-Type": "application/json;charset=utf8"})
        except OcrError as exc:
            attempts.record(attempts.Attempt(self.provider, "iam/tokens", str(exc.error_class), exc.code))
            raise
        response = exchange.response
        request_id = response.headers.get("X-Request-Id") or response.headers.get("X-IAM-Trace-Id") or ""
        token = response.headers.get("X-Subject-Token")
        if response.status_code in (200, 201) and token:
            attempts.record(attempts.Attempt(self.provider, "iam/tokens", "success", "", response.status_code,
                                             exchange.duration_ms, request_id))
            return token, self._expiry(response.content)
        error_class = classify_huawei_status(response.status_code) if response.status_code >= 400 else ErrorClass.UNKNOWN
        code = f"IAM.{response.status_code}"
        attempts.record(attempts.Attempt(self.provider, "iam/tokens", str(error_class), code, response.status_code,
                                         exchange.duration_ms, request_id))
        message = {
            ErrorClass.CONFIGURATION: "The OCR account's IAM user, password, account name or project is wrong.",
            ErrorClass.THROTTLED: "The vendor's IAM service is busy; the read will be retried.",
            ErrorClass.TRANSIENT: "The vendor's IAM service failed temporarily; the read will be retried.",
        }.get(error_class, "The vendor's IAM service answered without a token.")
        raise OcrError(error_class, message, code=code, vendor_message=_iam_message(response.content),
                       http_status=response.status_code, retry_after=http.retry_after_seconds(response),
                       vendor_request_id=request_id or None)

    @staticmethod
    def _expiry(body: bytes) -> float:
        try:
            raw = validate(IamTokenResponse, loads(body), "IAM response").token.expires_at
            if raw is not None:
                return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC).timestamp()
        except (ShapeError, ValueError):
            pass
        return time.time() + TOKEN_LIFETIME  # the documented lifetime when the body says nothing


def _iam_message(body: bytes) -> str:
    try:
        data = loads(body)
        error = data.get("error", {}) if isinstance(data, dict) else {}
        return str(error.get("message", ""))[:300] if isinstance(error, dict) else ""
    except ShapeError:
        return ""
