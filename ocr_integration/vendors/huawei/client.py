"""Huawei Cloud OCR / G42 Cloud OCR client.

# Reference: vendor-docs/001 (G42 OCR API Reference, English): §2.2 request shape, §2.3 token and
# AK/SK authentication, §3.1 passport, §3.2 emirates-id-card, §3.3 bankcard, §4.2 error codes;
# vendor-docs/000 (same, Chinese); vendor-docs/003 id-document; vendor-docs/004 general-text.

One client per configured account (``settings.OCR_VENDORS["huawei" | "g42" | ...]``): the region,
endpoint and project id are configuration. Every call: image fitted to the API's limits, rate
limited per account across processes, signed (AK/SK) or token-authenticated, recorded as an
attempt, answered with a canonical Reading or one OcrError.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...documents.kinds import DocumentKind
from ...documents.reading import Reading
from ...provider import ErrorClass, OcrError, ReadRequest
from .. import attempts, checks, http, images
from ..accounts import account_config
from ..errors import MESSAGES, classify_huawei, is_huawei_token_error
from ..ratelimit import RateLimiter
from ..schema import ShapeError, loads, unexpected
from . import models, normalise, signing
from .auth import TokenProvider

# Countries whose passports the id-document API reads (vendor-docs/003 表1), ISO 3166 alpha-3.
ID_DOCUMENT_PASSPORT_COUNTRIES = frozenset(
    {"VNM", "IND", "PHL", "ALB", "BRA", "IDN", "MYS", "NGA", "PAK", "RUS", "TWN", "UKR", "THA", "CHL"}
)


@dataclass(frozen=True)
class HuaweiAccount:
    name: str  # the provider name: "huawei", "g42", ...
    region: str
    endpoint: str  # https://ocr.ae-ad-1.g42cloud.com
    project_id: str
    vendor: str = "huawei"  # "huawei" or "g42": what the documents allow differs (vendors.checks)
    auth_scheme: str = "aksk"  # "aksk" or "token"
    access_key: str = ""
    secret_key: str = ""
    iam_endpoint: str = ""
    domain_name: str = ""
    username: str = ""
    password: str = ""
    project_name: str = ""
    qps: float = 10.0
    passport_api: str = "passport"  # "passport", or "auto": id-document for the countries it lists

    @property
    def rate_key(self) -> str:
        who = self.access_key if self.auth_scheme == "aksk" else f"{self.domain_name}/{self.username}"
        return f"huawei:{self.endpoint}:{self.project_id}:{who}"

    def check(self) -> None:
        missing = [n for n in ("endpoint", "project_id") if not getattr(self, n)]
        if self.auth_scheme == "aksk":
            missing += [n for n in ("access_key", "secret_key") if not getattr(self, n)]
        elif self.auth_scheme == "token":
            missing += [n for n in ("iam_endpoint", "domain_name", "username", "password") if not getattr(self, n)]
            if not (self.project_name or self.project_id):
                missing.append("project_name")
        else:
            missing.append("auth_scheme (aksk or token)")
        if missing:
            raise OcrError(ErrorClass.CONFIGURATION,
                           f"The {self.name} OCR account is not configured: {', '.join(missing)} missing.",
                           code="not_configured")
        refused = checks.refusals(self.name, {"vendor": self.vendor, "qps": self.qps, "auth_scheme": self.auth_scheme,
                                              "passport_api": self.passport_api})
        if refused:
            raise OcrError(ErrorClass.CONFIGURATION, " ".join(p.message for p in refused), code="refused_configuration")


class HuaweiOcrClient:
    """``OcrProvider`` for Huawei Cloud or G42 (set by the account)."""

    records_attempts = True  # every HTTP call is recorded here (services records the others)

    def __init__(self, account: HuaweiAccount, *, limiter: RateLimiter | None = None) -> None:
        self.account = account
        self.name = account.name
        self.limiter = limiter or RateLimiter()
        self._tokens = (
            TokenProvider(provider=account.name, iam_endpoint=account.iam_endpoint, domain_name=account.domain_name,
                          username=account.username, password=account.password,
                          project_name=account.project_name, project_id=account.project_id)
            if account.auth_scheme == "token" else None
        )

    # -- OcrProvider ----------------------------------------------------------------------------
    def read(self, request: ReadRequest) -> Reading:
        kind = request.document_kind
        if kind == DocumentKind.PASSPORT:
            country = (request.issuing_country or "").upper()
            if self.account.passport_api == "auto" and country in ID_DOCUMENT_PASSPORT_COUNTRIES:
                return self.id_document(request.image, kind=kind, country_region=country, id_type="PP")
            return self.passport(request.image)
        if kind in (DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK):
            return self.emirates_id(request.image, kind=kind)
        if kind == DocumentKind.BANK_CARD:
            return self.bankcard(request.image)
        raise OcrError(ErrorClass.CONFIGURATION, f"{self.name} OCR is not set up to read {kind}.",
                       code="unsupported_kind")

    # -- one method per API -----------------------------------------------------------------------
    def passport(self, image: bytes) -> Reading:
        result, data, request_id = self._call(
            "ocr/passport", image, images.HUAWEI_PASSPORT, {},
            lambda d: models.parse_structured(d, models.PassportResponse, "passport"))
        return normalise.passport(self.name, result, models.sanitized(data), request_id)

    def emirates_id(self, image: bytes, *, kind: DocumentKind) -> Reading:
        side = "back" if kind == DocumentKind.EMIRATES_ID_BACK else "front"
        result, data, request_id = self._call(
            "ocr/emirates-id-card", image, images.HUAWEI_EMIRATES_ID, {"side": side},
            lambda d: models.parse_structured(d, models.EmiratesIdResponse, "emirates-id-card"))
        seen = normalise.emirates_side_seen(result.values)
        if seen is None:
            raise OcrError(ErrorClass.INVALID_IMAGE,
                           "No text could be read from the card. Please take a sharper photo of the whole card.",
                           code="no_text", vendor_request_id=request_id)
        if seen != side:
            raise OcrError(ErrorClass.INVALID_IMAGE,
                           f"This looks like the {seen} of the card; please photograph the {side}.",
                           code="wrong_side", vendor_request_id=request_id)
        return normalise.emirates_id(self.name, kind, result, models.sanitized(data), request_id)

    def id_document(self, image: bytes, *, kind: DocumentKind, country_region: str | None, id_type: str | None) -> Reading:
        """vendor-docs/003, discontinued (end of sale 2025-02-18); never on a G42 account."""
        if self.account.vendor == "g42":
            raise OcrError(ErrorClass.CONFIGURATION,
                           f"{self.name} is a G42 account: G42 does not offer the id-document API.",
                           code="refused_configuration")
        extra: dict[str, Any] = {"return_portrait_image": False}
        if country_region:
            extra["country_region"] = [country_region]
        if id_type:
            extra["id_type"] = [id_type]
        result, data, request_id = self._call(
            "ocr/id-document", image, images.HUAWEI_ID_DOCUMENT, extra,
            lambda d: models.parse_structured(d, models.IdDocumentResponse, "id-document"))
        return normalise.id_document(self.name, kind, result, models.sanitized(data), request_id)

    def bankcard(self, image: bytes) -> Reading:
        result, data, request_id = self._call(
            "ocr/bankcard", image, images.HUAWEI_BANKCARD, {},
            lambda d: models.parse_structured(d, models.BankCardResponse, "bankcard"))
        return normalise.bankcard(self.name, result, models.sanitized(data), request_id)

    def general_text(self, image: bytes, *, kind: DocumentKind, detect_direction: bool = True) -> Reading:
        result, data, request_id = self._call("ocr/general-text", image, images.HUAWEI_GENERAL_TEXT,
                                              {"detect_direction": detect_direction}, models.parse_general_text)
        return normalise.general_text(self.name, kind, result, models.sanitized(data), request_id)

    # -- transport --------------------------------------------------------------------------------
    def _call(self, api: str, image: bytes, limits: images.ImageLimits, extra: dict[str, Any],
              parse: Callable[[Any], Any]) -> tuple[Any, Any, str | None]:
        """``(parsed result, response JSON, request id)``; the attempt is a success only when
        the answer has the documented shape."""
        self.account.check()
        prepared = images.prepare(image, limits)
        body = json.dumps({"image": base64.b64encode(prepared.data).decode("ascii"), **extra}).encode()
        url = f"{self.account.endpoint.rstrip('/')}/v2/{self.account.project_id}/{api}"
        # Token fetched (a call of its own) and request signed before the admission, so that
        # nothing slow stands between the admission and the send.
        headers, token = self._headers(url, body)
        try:
            return self._send(api, url, body, parse, headers)
        except OcrError as exc:
            if is_huawei_token_error(exc.code) and self._tokens is not None and token is not None:
                # A token the vendor no longer accepts (expired early, revoked): one fresh token.
                self._tokens.invalidate(token)
                headers, _ = self._headers(url, body)
                return self._send(api, url, body, parse, headers)
            raise

    def _headers(self, url: str, body: bytes) -> tuple[dict[str, str], str | None]:
        base = {"Content-Type": "application/json"}
        if self._tokens is not None:
            token = self._tokens.token()
            return {**base, "X-Auth-Token": token}, token
        signed = signing.sign(method="POST", url=url, headers=base, body=body,
                              access_key=self.account.access_key, secret_key=self.account.secret_key)
        return signed, None

    def _send(self, api: str, url: str, body: bytes, parse: Callable[[Any], Any],
              headers: dict[str, str]) -> tuple[Any, Any, str | None]:
        self.limiter.acquire(self.account.rate_key, self.account.qps)
        try:
            exchange = http.post(url, content=body, headers=headers)
        except OcrError as exc:
            attempts.record(attempts.Attempt(self.name, api, str(exc.error_class), exc.code))
            raise
        response = exchange.response
        request_id = response.headers.get("X-Request-Id") or None
        status = response.status_code

        def record(outcome: str, code: str = "") -> None:
            attempts.record(attempts.Attempt(self.name, api, outcome, code, status, exchange.duration_ms,
                                             request_id or ""))

        if status == 200:
            try:
                data = loads(response.content)
                result = parse(data)
            except ShapeError as exc:
                # A 200 in a shape we do not understand is a failed attempt, so that vendor error
                # rates count it.
                error = unexpected(self.name, exc, status=status, request_id=request_id)
                record(str(error.error_class), error.code)
                raise error from exc
            record("success")
            return result, data, request_id
        code, vendor_message = "", ""
        try:
            error_body = models.parse_error(loads(response.content))
            code, vendor_message = error_body.error_code, error_body.error_msg
        except ShapeError:
            pass
        error_class = classify_huawei(code or None, status)
        retry_after = http.retry_after_seconds(response)
        if error_class == ErrorClass.THROTTLED:
            retry_after = retry_after if retry_after is not None else 5.0
            self.limiter.penalize(self.account.rate_key, retry_after)
        record(str(error_class), code or f"HTTP.{status}")
        raise OcrError(error_class, MESSAGES[error_class], code=code or f"HTTP.{status}",
                       vendor_message=vendor_message[:500], http_status=status, retry_after=retry_after,
                       vendor_request_id=request_id)


class HuaweiGeneralTextReader:
    """A second reader that only supplies the MRZ of any kind, through general-text."""

    records_attempts = True

    def __init__(self, client: HuaweiOcrClient, name: str) -> None:
        self.client = client
        self.name = name

    def read(self, request: ReadRequest) -> Reading:
        reading = self.client.general_text(request.image, kind=request.document_kind)
        return Reading(self.name, reading.document_kind, reading.fields, reading.mrz_lines,
                       reading.raw_response, reading.vendor_request_id)


def account_from_settings(name: str) -> HuaweiAccount:
    """The account named ``name`` from settings or the admin (``vendors.accounts``)."""
    config = account_config(name)
    allowed = set(HuaweiAccount.__dataclass_fields__) - {"name"}
    return HuaweiAccount(name=name, **{k: v for k, v in config.items() if k in allowed})


def huawei_provider() -> HuaweiOcrClient:
    return HuaweiOcrClient(account_from_settings("huawei"))


def g42_provider() -> HuaweiOcrClient:
    return HuaweiOcrClient(account_from_settings("g42"))


def huawei_text_provider() -> HuaweiGeneralTextReader:
    return HuaweiGeneralTextReader(HuaweiOcrClient(account_from_settings("huawei")), "huawei_text")
