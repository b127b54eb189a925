"""China Telecom Cloud (CTyun) OCR client: Chinese resident ID card and general OCR, up to 50
images per call (``read_many``; the batches are assembled from the database of pending reads by
the caller, kyc/services/batched_reads.py). ``read`` sends one image.

# Reference: vendor-docs/002 §4.1.2 构造请求 (headers), §4.1.3 认证鉴权 (EOP signing), §4.3.1
# 通用型OCR and §4.3.2 身份证识别 (URL, ``data`` list of up to 50 URL-safe base64 images,
# results in request order), 错误码说明, §5.3 FAQ (5 QPS per account by default; do not retry
# on throttling).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from ...documents.kinds import DocumentKind
from ...documents.reading import Reading
from ...provider import ErrorClass, OcrError, ReadRequest
from .. import attempts, checks, http, images
from ..accounts import account_config
from ..errors import CTYUN_CODES, MESSAGES, classify_ctyun, ctyun_code_key
from ..ratelimit import RateLimiter
from ..schema import ShapeError, loads, unexpected
from . import models, normalise, signing

GENERAL_PATH = "/v1/aiop/api/2f3p1pnxpqm8/ocrdetect/ocr/v1/image.json"
IDCARD_PATH = "/v1/aiop/api/2f3os7qq79xc/IdentityCard/ocr/v1/idcard.json"
MAX_BATCH = 50
ID_KINDS = (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM)


@dataclass(frozen=True)
class CtyunAccount:
    name: str = "ctyun"
    endpoint: str = "https://ai-global.ctapi.ctyun.cn"
    access_key: str = ""
    secret_key: str = ""
    app_key: str = ""
    qps: float = 5.0
    batching: bool = True
    batch_max: int = MAX_BATCH
    batch_wait_ms: int = 200
    # The zone whose wall time ``eop-date`` carries (see signing.py): Beijing time unless the
    # account is known to differ.
    clock_zone: str = signing.DEFAULT_CLOCK_ZONE
    # How long every process of this account stays quiet after a throttle (or an undocumented
    # error under load): the document asks not to retry then.
    throttle_backoff_s: float = 30.0

    @property
    def rate_key(self) -> str:
        return f"ctyun:{self.endpoint}:{self.access_key}"

    def check(self) -> None:
        missing = [n for n in ("endpoint", "access_key", "secret_key", "app_key") if not getattr(self, n)]
        if missing:
            raise OcrError(ErrorClass.CONFIGURATION,
                           f"The {self.name} OCR account is not configured: {', '.join(missing)} missing.",
                           code="not_configured")
        refused = checks.refusals(self.name, {"vendor": "ctyun", "qps": self.qps, "clock_zone": self.clock_zone})
        if refused:
            raise OcrError(ErrorClass.CONFIGURATION, " ".join(p.message for p in refused), code="refused_configuration")


class CtyunOcrClient:
    """``OcrProvider`` for CTyun: ``read`` one image per call, ``read_many`` up to 50 per call."""

    records_attempts = True  # every HTTP call is recorded here (services records the others)

    def __init__(self, account: CtyunAccount, *, limiter: RateLimiter | None = None) -> None:
        self.account = account
        self.name = account.name
        self.limiter = limiter or RateLimiter()

    # -- OcrProvider ------------------------------------------------------------------------------
    def read(self, request: ReadRequest) -> Reading:
        self.account.check()
        api = "idcard" if request.document_kind in ID_KINDS else "general"
        # Prepared before queueing, so one bad photo fails alone and the batch stays sendable.
        prepared = images.prepare(request.image, images.CTYUN, checked=request.checked)
        return self._read_batch(api, [(request.document_kind, prepared.data)], [attempts.current_subject()])[0]

    def read_many(self, requests: list[ReadRequest], *, subject_refs: list[str] | None = None) -> list[Reading | OcrError]:
        """Read a list of images of one API family in as few calls as allowed (50 per call): one
        Reading or OcrError per request, in order. ``subject_refs``: whom each image's attempt is
        recorded for (default: the current subject, for all)."""
        self.account.check()
        subjects = subject_refs if subject_refs is not None else [attempts.current_subject()] * len(requests)
        if len(subjects) != len(requests):
            raise ValueError("read_many takes one subject per request")
        out: list[Reading | OcrError] = []
        for start in range(0, len(requests), MAX_BATCH):
            chunk, chunk_subjects = requests[start:start + MAX_BATCH], subjects[start:start + MAX_BATCH]
            api = "idcard" if chunk[0].document_kind in ID_KINDS else "general"
            if any((r.document_kind in ID_KINDS) != (api == "idcard") for r in chunk):
                raise ValueError("read_many takes ID-card images or general images, not both")
            prepared: list[tuple[DocumentKind, bytes] | OcrError] = []
            for r in chunk:
                try:
                    prepared.append((r.document_kind, images.prepare(r.image, images.CTYUN, checked=r.checked).data))
                except OcrError as exc:
                    prepared.append(exc)
            sendable = [p for p in prepared if not isinstance(p, OcrError)]
            sendable_subjects = [s for p, s in zip(prepared, chunk_subjects, strict=True) if not isinstance(p, OcrError)]
            results = iter(self._read_batch(api, sendable, sendable_subjects, raise_single=False) if sendable else [])
            out.extend(p if isinstance(p, OcrError) else next(results) for p in prepared)
        return out

    # -- calls ----------------------------------------------------------------------------------
    def _read_batch(self, api: str, items: list[tuple[DocumentKind, bytes]], subjects: list[str], *,
                    raise_single: bool = True) -> list[Any]:
        """One call for up to 50 images; one Reading or OcrError per image, in order.
        (With one image and ``raise_single``, the error is raised rather than returned.)"""
        single = len(items) == 1 and raise_single
        try:
            envelope, request_id, duration_ms = self._call(api, [image for _, image in items], subjects)
        except OcrError as exc:
            if single:
                raise
            return [exc] * len(items)
        results: list[Reading | OcrError] = []
        recorded: list[tuple[attempts.Attempt, str]] = []
        for index, ((kind, _), item, subject) in enumerate(zip(items, envelope.items, subjects, strict=True)):
            # One attempt per image: a success only when the vendor answered that image in the
            # documented shape (our own verdict on a good answer, e.g. the wrong side, is still one).
            outcome, code = "success", ""
            try:
                parsed = self._parse_item(api, item, request_id, index)
            except OcrError as exc:
                outcome, code = str(exc.error_class), exc.code
                results.append(exc)
            else:
                try:
                    results.append(self._normalise(api, kind, parsed, item, request_id))
                except OcrError as exc:
                    results.append(exc)
            recorded.append((attempts.Attempt(self.name, f"ctyun/{api}", outcome, code, 200, duration_ms,
                                              request_id or "", batch_size=len(items)), subject))
        attempts.record_many(recorded)
        if single and isinstance(results[0], OcrError):
            raise results[0]
        return results

    def _parse_item(self, api: str, item: Any, request_id: str | None, index: int) -> Any:
        if isinstance(item, models.ItemError):
            error_class = classify_ctyun(item.err_code, 200)
            return_code = ctyun_code_key(item.err_code)
            raise OcrError(error_class, MESSAGES[error_class], code=return_code, vendor_message=item.err_msg[:500],
                           http_status=200, vendor_request_id=request_id)
        where = f"returnObj[{index}]"
        try:
            return models.parse_idcard(item, where) if api == "idcard" else models.parse_general(item, where)
        except ShapeError as exc:
            raise unexpected(self.name, exc, status=200, request_id=request_id) from exc

    def _normalise(self, api: str, kind: DocumentKind, parsed: Any, item: Any, request_id: str | None) -> Reading:
        raw = {"statusCode": 0, "returnObj": [item]}
        if api == "idcard":
            return normalise.idcard(self.name, kind, parsed, raw, request_id)
        return normalise.general(self.name, kind, parsed, raw, request_id)

    def _call(self, api: str, batch: list[bytes], subjects: list[str]) -> tuple[models.Envelope, str | None, int]:
        """``(envelope, request id, duration)``. Failed calls are recorded here, for every subject;
        a successful call is recorded per image by ``_read_batch``, once each answer is parsed."""
        path = IDCARD_PATH if api == "idcard" else GENERAL_PATH
        # URL-safe base64, as the document asks ("常规safe base64", urlsafe_b64encode). Its letters
        # need no JSON escaping, so the body is joined rather than scanned by the JSON encoder
        # (tens of milliseconds for 50 photos, before the call).
        body = b'{"data": ["' + b'", "'.join(base64.urlsafe_b64encode(image) for image in batch) + b'"]}'
        url = self.account.endpoint.rstrip("/") + path
        host = url.split("://", 1)[-1].split("/", 1)[0]
        # At send time: everything is built, only signing (microseconds) stands between the
        # admission and the socket write.
        admission = self.limiter.acquire(self.account.rate_key, self.account.qps)
        headers = {"Content-Type": "application/json;charset=UTF-8", "host": host,
                   **signing.sign(access_key=self.account.access_key, secret_key=self.account.secret_key,
                                  app_key=self.account.app_key, body=body,
                                  zone=signing.clock_zone(self.account.clock_zone))}
        request_id = headers["ctyun-eop-request-id"]
        endpoint = f"ctyun/{api}"

        def record(outcome: str, code: str = "", status: int | None = None, duration: int = 0) -> None:
            attempt = attempts.Attempt(self.name, endpoint, outcome, code, status, duration, request_id,
                                       batch_size=len(batch))
            attempts.record_many([(attempt, subject) for subject in subjects])

        try:
            exchange = http.post(url, content=body, headers=headers)
        except OcrError as exc:
            exc.vendor_request_id = request_id
            record(str(exc.error_class), exc.code)
            raise
        response, status = exchange.response, exchange.response.status_code
        try:
            data = loads(response.content)
        except ShapeError as exc:
            error = unexpected(self.name, exc, status=status, request_id=request_id)
            if status != 200:
                error = OcrError(classify_ctyun(None, status), MESSAGES[classify_ctyun(None, status)],
                                 code=f"HTTP.{status}", http_status=status, vendor_request_id=request_id)
            record(str(error.error_class), error.code, status, exchange.duration_ms)
            raise error from exc
        top_code = data.get("statusCode", data.get("code")) if isinstance(data, dict) else None
        if status == 200 and str(top_code) == "0":
            try:
                envelope = models.parse_envelope(data, len(batch))
            except ShapeError as exc:
                error = unexpected(self.name, exc, status=status, request_id=request_id)
                record(str(error.error_class), error.code, status, exchange.duration_ms)
                raise error from exc
            return envelope, request_id, exchange.duration_ms
        try:
            failure = models.parse_failure(data)
            code, details = ctyun_code_key(failure.code), failure.details
        except ShapeError:
            code, details = f"HTTP.{status}", ""
        documented = code in CTYUN_CODES
        error_class = classify_ctyun(code if not code.startswith("HTTP.") else None, status)
        if not documented and error_class != ErrorClass.THROTTLED and admission.under_load:
            # §5.3: "when the API returns an error code after you raise concurrency, do not
            # retry". The document gives throttling no code, so an error it does not list, met
            # while this account sends at its limit, is taken for throttling.
            error_class = ErrorClass.THROTTLED
        retry_after = http.retry_after_seconds(response)
        if error_class == ErrorClass.THROTTLED:
            # Not five quick retries: every process of this account stays quiet for a long while.
            retry_after = max(retry_after or 0.0, self.account.throttle_backoff_s)
            self.limiter.penalize(self.account.rate_key, retry_after)
        record(str(error_class), code, status, exchange.duration_ms)
        raise OcrError(error_class, MESSAGES[error_class], code=code, vendor_message=details[:500],
                       http_status=status, retry_after=retry_after, vendor_request_id=request_id)


def account_from_settings(name: str = "ctyun") -> CtyunAccount:
    """The account named ``name`` from settings or the admin (``vendors.accounts``)."""
    config = account_config(name)
    allowed = set(CtyunAccount.__dataclass_fields__) - {"name"}
    return CtyunAccount(name=name, **{k: v for k, v in config.items() if k in allowed})


def ctyun_provider() -> CtyunOcrClient:
    return CtyunOcrClient(account_from_settings("ctyun"))


def ctyun_text_provider() -> CtyunOcrClient:
    client = CtyunOcrClient(account_from_settings("ctyun"))
    client.name = "ctyun_text"
    return client
