"""The vendor simulator: one ThreadingHTTPServer on 127.0.0.1 serving every documented endpoint.

# Reference: vendor-docs/001 and 000 (G42 / Huawei OCR: IAM tokens, AK/SK, passport,
# emirates-id-card, bankcard, status and error codes), vendor-docs/003 (id-document),
# vendor-docs/004 (general-text), vendor-docs/002 (CTyun: EOP signing, general OCR, ID card,
# error codes, 5 QPS per account).

What it checks: paths and methods, IAM password grants, X-Auth-Token validity and expiry, AK/SK
signatures (``SDK-HMAC-SHA256``), EOP signatures (and that ``eop-date`` is UTC), appkeys, JSON
shapes, base64 (standard for Huawei, URL-safe for CTyun), formats, sizes and dimensions, batch
sizes; each refusal uses the documented code and body. Per-account QPS (token bucket, capacity =
QPS) answers with the documented throttle error. Faults: ``5xx``, ``timeout``,
``malformed_json``, ``token_expiry``, ``wrong_shape``, each with a probability per run or queued for the next N
requests (tests).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import random
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from ..documents.kinds import DocumentKind
from ..vendors.ctyun import signing as eop
from ..vendors.huawei import signing as aksk
from . import answers

logger = logging.getLogger(__name__)

FAULTS = ("5xx", "timeout", "malformed_json", "token_expiry", "wrong_shape", "bare_400", "bare_503",
          "wrong_item_shape")
CTYUN_GENERAL_PATH = "/v1/aiop/api/2f3p1pnxpqm8/ocrdetect/ocr/v1/image.json"
CTYUN_IDCARD_PATH = "/v1/aiop/api/2f3os7qq79xc/IdentityCard/ocr/v1/idcard.json"
HUAWEI_API = re.compile(r"^/v2/(?P<project>[^/]+)/ocr/(?P<api>[a-z-]+)$")
HUAWEI_APIS = {"passport", "emirates-id-card", "bankcard", "id-document", "general-text"}
G42_NOT_OFFERED = {"id-document", "general-text"}  # vendor-docs/001 lists passport, emirates-id-card, bankcard
TEN_MB = 10 * 1024 * 1024


@dataclass(frozen=True)
class IamUser:
    domain_name: str
    username: str
    password: str
    project_name: str
    project_id: str


@dataclass
class SimulatorConfig:
    huawei_project_ids: set[str] = field(default_factory=lambda: {"0sim0project0id0"})
    huawei_keys: dict[str, str] = field(default_factory=lambda: {"SIMAK0000000000000000": "sim-huawei-secret-key"})
    iam_users: list[IamUser] = field(default_factory=lambda: [
        IamUser("sim-domain", "sim-user", "sim-password", "ae-ad-1", "0sim0project0id0")
    ])
    ctyun_keys: dict[str, str] = field(default_factory=lambda: {"sim-ctyun-ak": "sim-ctyun-sk"})
    ctyun_appkeys: set[str] = field(default_factory=lambda: {"sim-ctyun-appkey"})
    latency_ms: int = 0
    qps: float = 0.0  # per account; 0 = unlimited
    faults: dict[str, float] = field(default_factory=dict)  # fault -> probability per request
    fault_timeout_s: float = 35.0
    token_lifetime_s: int = 24 * 3600
    unsubscribed: set[str] = field(default_factory=set)  # Huawei API names answered ModelArts.4204
    # Huawei API names this endpoint does not offer (G42's list has no id-document nor general-text).
    not_offered: set[str] = field(default_factory=set)
    # vendor-docs/001 §2.3: token-based authentication cannot call OCR in UAE-Abu Dhabi. How G42
    # refuses it is not documented: here, APIG.0301 (False = the G42 behaviour, by name).
    token_auth_offered: bool = True
    use_engine: bool = True  # fall back to the embedded engine for images that are not specimens
    clock_skew_s: int = 15 * 60
    # vendor-docs/001 §4.2 says gateway codes start "APIGW" or "APIG" but tabulates only APIG:
    # "APIGW" answers the same codes with that prefix (a named option, not a guess made silently).
    huawei_gateway_prefix: str = "APIG"
    # Documented alternative answer forms to use (answers.ANSWER_FORMS); none = the examples' forms.
    answer_forms: frozenset[str] = frozenset()
    # vendor-docs/001 §3.2 never says the answer's ``side`` is the detected one when a side was
    # forced: by default it echoes the forced side; True is the invented alternative, by name.
    emirates_report_detected_side: bool = False
    # CTyun throttling has no documented form: "http_429" (HTTP 429, AI_OP_429) or
    # "undocumented_code" (HTTP 403 with a code no table lists), both invented, by name.
    ctyun_throttle_answer: str = "http_429"
    # CTyun's eop-date is wall time in this zone labelled Z (vendor-docs/README.md): Beijing time.
    ctyun_clock_zone: str = eop.DEFAULT_CLOCK_ZONE
    seed: int | None = None


class _Bucket:
    def __init__(self, qps: float) -> None:
        self.capacity = max(1.0, qps)
        self.rate = qps
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Simulator:
    def __init__(self, config: SimulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SimulatorConfig()
        self.host = host
        self.port = port
        self.lock = threading.Lock()
        self.tokens: dict[str, tuple[IamUser, float]] = {}
        self.buckets: dict[str, _Bucket] = {}
        self.queued_faults: list[str] = []
        self.stats: Counter[str] = Counter()
        self.batch_sizes: list[int] = []
        self.request_log: list[tuple[float, str, str]] = []  # (time, account, path) of OCR calls
        self.rng = random.Random(self.config.seed)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Simulator:
        simulator = self

        class Handler(_Handler):
            sim = simulator

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="ocr-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls ------------------------------------------------------------------------
    def inject(self, fault: str, count: int = 1) -> None:
        """The next ``count`` OCR requests get ``fault``."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {FAULTS}")
        with self.lock:
            self.queued_faults.extend([fault] * count)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {t: (user, 0.0) for t, (user, _) in self.tokens.items()}

    def most_in_any_window(self, window: float = 1.0, account: str | None = None) -> int:
        """The largest number of OCR calls (of ``account``, or all) that arrived within any
        ``window`` seconds: what a vendor's per-second quota would have counted."""
        with self.lock:
            stamps = sorted(t for t, who, _ in self.request_log if account is None or who == account)
        most, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= window:
                start += 1
            most = max(most, end - start + 1)
        return most

    def reset_stats(self) -> None:
        with self.lock:
            self.stats.clear()
            self.batch_sizes.clear()
            self.request_log.clear()

    # -- shared state -------------------------------------------------------------------------
    def allow(self, account: str) -> bool:
        if self.config.qps <= 0:
            return True
        with self.lock:
            bucket = self.buckets.setdefault(account, _Bucket(self.config.qps))
            return bucket.take()

    def next_fault(self, token_auth: bool) -> str | None:
        with self.lock:
            if self.queued_faults:
                return self.queued_faults.pop(0)
            for name in FAULTS:
                probability = self.config.faults.get(name, 0.0)
                if name == "token_expiry" and not token_auth:
                    continue
                if probability > 0 and self.rng.random() < probability:
                    return name
        return None

    def issue_token(self, user: IamUser) -> tuple[str, float]:
        token = "MIIsim" + secrets.token_urlsafe(48)
        expires = time.time() + self.config.token_lifetime_s
        with self.lock:
            self.tokens[token] = (user, expires)
            self.stats["iam_tokens_issued"] += 1
        return token, expires


class _Handler(BaseHTTPRequestHandler):
    sim: Simulator
    _pending_body: bytes = b""
    protocol_version = "HTTP/1.1"
    server_version = "OcrVendorSimulator/1.0"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        logger.debug("simulator: " + format, *args)

    # -- plumbing -----------------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, payload: bytes, *, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, data: dict | list, *, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), headers=headers)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._route("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._route("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._route("PUT")

    def _route(self, method: str) -> None:
        self.arrived = time.monotonic()  # before the body is read: what a quota would count
        body = self._body()
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        sim = self.sim
        with sim.lock:
            sim.stats["requests"] += 1
        if sim.config.latency_ms:
            time.sleep(sim.config.latency_ms / 1000)
        try:
            if path == "/v3/auth/tokens":
                return self._iam(method, body)
            if path.startswith("/v2/"):
                return self._huawei(method, path, query, body)
            if path.startswith("/v1/aiop/"):
                return self._ctyun(method, path, query, body)
            return self._huawei_error(404, "APIG.0101", "The API does not exist or has not been published in the environment.")
        except (BrokenPipeError, ConnectionResetError):
            return None

    # -- IAM ----------------------------------------------------------------------------------
    def _iam(self, method: str, body: bytes) -> None:
        def refuse(status: int, message: str) -> None:
            title = {400: "Bad Request", 401: "Unauthorized"}.get(status, "Error")
            self._json(status, {"error": {"code": status, "message": message, "title": title}})

        if method != "POST":
            return refuse(400, "The request method is not supported.")
        try:
            auth = json.loads(body)["auth"]
            identity = auth["identity"]
            user = identity["password"]["user"]
            scope = auth["scope"]["project"]
            if identity["methods"] != ["password"]:
                raise ValueError
            name, password, domain = user["name"], user["password"], user["domain"]["name"]
        except (ValueError, KeyError, TypeError):
            return refuse(400, "The request body is invalid.")
        for candidate in self.sim.config.iam_users:
            if (candidate.domain_name, candidate.username, candidate.password) == (domain, name, password):
                if scope.get("name") not in (None, candidate.project_name) or scope.get("id") not in (None, candidate.project_id):
                    return refuse(400, "The project in the scope does not exist.")
                if not (scope.get("name") or scope.get("id")):
                    return refuse(400, "The request body is invalid.")
                token, expires = self.sim.issue_token(candidate)
                now = datetime.now(UTC)
                answer = {"token": {
                    "expires_at": datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "methods": ["password"],
                    "project": {"id": candidate.project_id, "name": candidate.project_name},
                }}
                return self._json(201, answer, headers={"X-Subject-Token": token, "X-IAM-Trace-Id": secrets.token_hex(16)})
        with self.sim.lock:
            self.sim.stats["iam_refused"] += 1
        return refuse(401, "The username or password is wrong.")

    # -- Huawei / G42 -------------------------------------------------------------------------
    def _huawei_error(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> None:
        if code.startswith("APIG.") and self.sim.config.huawei_gateway_prefix == "APIGW":
            code = "APIGW." + code.removeprefix("APIG.")
        with self.sim.lock:
            self.sim.stats[f"error:{code}"] += 1
        self._json(status, {"error_code": code, "error_msg": message}, headers=headers)

    def _huawei_auth(self, method: str, path: str, query: str, body: bytes, project: str) -> tuple[str | None, bool]:
        token = self.headers.get("X-Auth-Token")
        if token and not self.sim.config.token_auth_offered:
            self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: token authentication "
                                                 "is not offered for this service in this region")
            return None, True
        if token:
            with self.sim.lock:
                entry = self.sim.tokens.get(token)
            if entry is None:
                self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: decrypt token fail")
                return None, True
            user, expires = entry
            if expires <= time.time():
                self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: token expires")
                return None, True
            if user.project_id != project:
                self._huawei_error(403, "ModelArts.4203", "Access denied! You do not have permission.")
                return None, True
            return f"iam:{user.domain_name}/{user.username}", True
        if self.headers.get("Authorization"):
            headers = {k: v for k, v in self.headers.items()}
            access_key = aksk.verify(method=method, path=path, query=query, headers=headers, body=body,
                                     secret_for=self.sim.config.huawei_keys)
            if access_key is None:
                self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail")
                return None, False
            stamp = self.headers.get("X-Sdk-Date", "")
            try:
                signed_at = datetime.strptime(stamp, aksk.DATE_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                signed_at = datetime.fromtimestamp(0, UTC)
            if abs(datetime.now(UTC) - signed_at) > timedelta(seconds=self.sim.config.clock_skew_s):
                self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail, signature expired")
                return None, False
            return f"aksk:{access_key}", False
        self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: x-auth-token not found")
        return None, False

    def _huawei(self, method: str, path: str, query: str, body: bytes) -> None:
        sim = self.sim
        match = HUAWEI_API.match(path)
        if not match or match["api"] not in HUAWEI_APIS - sim.config.not_offered or method != "POST" or match["project"] not in sim.config.huawei_project_ids:
            return self._huawei_error(404, "APIG.0101", "The API does not exist or has not been published in the environment.")
        api = match["api"]
        account, token_auth = self._huawei_auth(method, path, query, body, match["project"])
        if account is None:
            return None
        with sim.lock:
            sim.request_log.append((self.arrived, account, path))  # every arrival, throttled or not
        if not sim.allow(account):
            with sim.lock:
                sim.stats["throttled"] += 1
            return self._huawei_error(429, "APIG.0308",
                                      f"The throttling threshold has been reached: policy user over ratelimit,limit:{int(sim.config.qps * 60)},time:1 minute",
                                      headers={"Retry-After": "1"})
        with sim.lock:
            sim.stats[f"huawei:{api}"] += 1
        fault = sim.next_fault(token_auth)
        if fault and self._fault(fault, huawei=True, token=self.headers.get("X-Auth-Token")):
            return None
        if api in sim.config.unsubscribed:
            return self._huawei_error(403, "ModelArts.4204", f"Request api error! The API {api} is not subscribed.")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._huawei_error(400, "AIS.0101", "The input parameter is invalid.")
        if len(body) > TEN_MB:  # ModelArts.4104: "The size cannot exceed 10 MB" (the whole body)
            return self._huawei_error(400, "ModelArts.4104", "Invalid Request Content Length.")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._huawei_error(400, "ModelArts.4105", "The JSON format of the input data is incorrect.")
        if not isinstance(payload, dict) or ("image" in payload) == ("url" in payload):
            return self._huawei_error(400, "AIS.0101", "The input parameter is invalid.")
        if "url" in payload:
            return self._huawei_error(400, "ModelArts.4603", "Obtaining the file from the URL failed.")
        image_b64 = payload["image"]
        if not isinstance(image_b64, str) or image_b64.startswith("data:"):
            return self._huawei_error(400, "AIS.0102", "The image format is not supported.")
        if len(image_b64) > TEN_MB:
            return self._huawei_error(400, "AIS.0103", "The image size does not meet the requirements.")
        try:
            image = base64.b64decode(image_b64, validate=True)
        except (binascii.Error, ValueError):
            return self._huawei_error(400, "AIS.0102", "The image format is not supported.")
        limits = {"passport": (15, 4096), "general-text": (15, 4096), "id-document": (100, 8192)}.get(api, (15, 8192))
        allowed = {"JPEG", "PNG", "BMP", "TIFF"}
        problem = _image_problem(image, allowed, limits[0], limits[1], exclusive=False)
        if problem == "format":
            return self._huawei_error(400, "AIS.0102", "The image format is not supported.")
        if problem == "size":
            return self._huawei_error(400, "AIS.0103", "The image size does not meet the requirements.")
        side = payload.get("side")
        if api == "emirates-id-card" and side not in (None, "", "front", "back"):
            return self._huawei_error(400, "AIS.0101", "The input parameter is invalid.")
        if api == "general-text" and not isinstance(payload.get("detect_direction", False), bool):
            return self._huawei_error(400, "AIS.0101", "The input parameter is invalid.")
        if api == "id-document":
            for key in ("country_region", "id_type"):
                value = payload.get(key)
                if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    return self._huawei_error(400, "AIS.0101", "The input parameter is invalid.")
        expected = {
            "passport": DocumentKind.PASSPORT,
            "emirates-id-card": DocumentKind.EMIRATES_ID_BACK if side == "back" else DocumentKind.EMIRATES_ID_FRONT,
            "bankcard": DocumentKind.BANK_CARD,
            "id-document": DocumentKind.PASSPORT,
            "general-text": None,
        }[api]
        seen = answers.recognise(image, expected, use_engine=sim.config.use_engine)
        request_id = secrets.token_hex(16)
        headers = {"X-Request-Id": request_id}
        if api == "general-text":
            return self._json(200, answers.huawei_general_text(seen, bool(payload.get("detect_direction")),
                                                                  frozenset(sim.config.answer_forms)), headers=headers)
        acceptable = {
            "passport": {DocumentKind.PASSPORT},
            "emirates-id-card": {DocumentKind.EMIRATES_ID_FRONT, DocumentKind.EMIRATES_ID_BACK},
            "bankcard": {DocumentKind.BANK_CARD},
            "id-document": {DocumentKind.PASSPORT},
        }[api]
        if seen is None or seen.kind not in acceptable:
            return self._huawei_error(400, "AIS.0104", "The image is not supported or the image quality is poor.")
        if api == "emirates-id-card":
            answer = answers.huawei_emirates(seen, forced_side=side or None,
                                             report_detected_side=sim.config.emirates_report_detected_side,
                                             forms=frozenset(sim.config.answer_forms))
            return self._json(200, answer, headers=headers)
        builder = {
            "passport": answers.huawei_passport,
            "bankcard": answers.huawei_bankcard,
            "id-document": answers.huawei_id_document,
        }[api]
        return self._json(200, builder(seen), headers=headers)

    def _fault(self, fault: str, *, huawei: bool, token: str | None = None) -> bool:
        sim = self.sim
        with sim.lock:
            sim.stats[f"fault:{fault}"] += 1
        if fault == "timeout":
            time.sleep(sim.config.fault_timeout_s)
            return False  # answer normally, long after the client gave up
        if fault == "5xx":
            if huawei:
                code, status, message = sim.rng.choice([
                    ("ModelArts.4403", 503, "Backend service unavailable error."),
                    ("APIG.0201", 504, "Backend timeout."),
                    ("ModelArts.4505", 500, "Backend service internal error."),
                ])
                self._huawei_error(status, code, message)
            else:
                self._ctyun_error(500, "50000", "服务内部错误")
            return True
        if fault in ("bare_400", "bare_503"):
            # A status with no documented code in the body (e.g. from a proxy in front of the gateway).
            status = 400 if fault == "bare_400" else 503
            self._send(status, b"<html><body>error</body></html>")
            return True
        if fault == "malformed_json":
            self._send(200, b'{"result": {"side": "fro', headers={"X-Request-Id": secrets.token_hex(16)})
            return True
        if fault == "wrong_item_shape" and not huawei:
            # The envelope as documented, one image's answer not (CTyun): "note" is not a string.
            payload = json.loads(self._pending_body or b"{}") if self._pending_body else {}
            count = len(payload.get("data") or [1]) if isinstance(payload, dict) else 1
            self._json(200, {"statusCode": 0, "message": {"success": count, "fail": 0},
                             "returnObj": [{"note": 5, "detail": {}}] * count})
            return True
        if fault == "wrong_shape":
            # Valid JSON, 200, but not the documented shape (a vendor-side change).
            body = {"result": [{"unexpected": True}]} if huawei else {"statusCode": 0, "returnObj": {"x": 1}}
            self._json(200, body, headers={"X-Request-Id": secrets.token_hex(16)})
            return True
        if fault == "token_expiry" and huawei and token:
            with sim.lock:
                if token in sim.tokens:
                    sim.tokens[token] = (sim.tokens[token][0], 0.0)
            self._huawei_error(401, "APIG.0301", "Incorrect IAM authentication information: token expires")
            return True
        return False

    # -- CTyun --------------------------------------------------------------------------------
    def _ctyun_error(self, status: int, code: str, details: str, *, request_id: str = "") -> None:
        with self.sim.lock:
            self.sim.stats[f"error:{code}"] += 1
        number = int(code.removeprefix("AI_OP_")) if code.removeprefix("AI_OP_").isdigit() else code
        headers = {"ctyun-eop-request-id": request_id} if request_id else None
        self._json(status, {"statusCode": number, "message": "error", "details": details, "error": code}, headers=headers)

    def _ctyun(self, method: str, path: str, query: str, body: bytes) -> None:
        sim = self.sim
        idcard = path == CTYUN_IDCARD_PATH
        if path not in (CTYUN_GENERAL_PATH, CTYUN_IDCARD_PATH):
            return self._ctyun_error(404, "50003", "API 中无效的 URL 请求")
        request_id = self.headers.get("ctyun-eop-request-id", "")
        if method != "POST":
            return self._ctyun_error(405, "AI_OP_4012" if idcard else "AI_OP_400002", "请求方法错误，请使用POST请求")
        headers = {k: v for k, v in self.headers.items()}
        appkey = self.headers.get("appkey")
        if not appkey:
            return self._ctyun_error(401, "40002", "缺少 appkey 头", request_id=request_id)
        access_key, code = eop.verify(headers=headers, query=query, body=body, secret_for=sim.config.ctyun_keys)
        if access_key is None:
            return self._ctyun_error(401, code, "签名错误" if code == "10020" else "生成签名时官网 ak 信息错误",
                                     request_id=request_id)
        try:
            signed_at = eop.parse_eop_date(self.headers.get("eop-date", ""), eop.clock_zone(sim.config.ctyun_clock_zone))
        except ValueError:
            return self._ctyun_error(401, "10020", "签名错误", request_id=request_id)
        if abs(datetime.now(UTC) - signed_at) > timedelta(seconds=sim.config.clock_skew_s):
            # A client that signs in another zone than the gateway's (e.g. UTC against Beijing) lands here.
            return self._ctyun_error(401, "10020", "签名错误: eop-date is not the gateway's current time",
                                     request_id=request_id)
        if appkey not in sim.config.ctyun_appkeys:
            return self._ctyun_error(401, "40006", "无效的 appkey", request_id=request_id)
        account = f"ctyun:{access_key}"
        with sim.lock:
            sim.request_log.append((self.arrived, account, path))  # every arrival, throttled or not
        if not sim.allow(account):
            with sim.lock:
                sim.stats["throttled"] += 1
            # The document names throttling (限流报错) without a code or status: how it looks is
            # a named choice (``ctyun_throttle_answer``), never presented as the contract.
            if sim.config.ctyun_throttle_answer == "undocumented_code":
                return self._ctyun_error(403, "EOP_90001", "请求过于频繁", request_id=request_id)
            return self._ctyun_error(429, "AI_OP_429", "请求过于频繁，超过QPS限制", request_id=request_id)
        with sim.lock:
            sim.stats["ctyun:idcard" if idcard else "ctyun:general"] += 1
        fault = sim.next_fault(False)
        self._pending_body = body
        if fault and self._fault(fault, huawei=False):
            return None
        c = _CTYUN_IDCARD_CODES if idcard else _CTYUN_GENERAL_CODES
        if not body:
            return self._ctyun_error(400, c["empty"], "请求体内容为空", request_id=request_id)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._ctyun_error(400, c["json"], "请求体非 json 格式", request_id=request_id)
        if not isinstance(payload, dict):
            return self._ctyun_error(400, c["dict"], "请求体需为字典", request_id=request_id)
        if "data" not in payload:
            return self._ctyun_error(400, c["missing"], "请求中未包data字段", request_id=request_id)
        data = payload["data"]
        if not isinstance(data, list):
            return self._ctyun_error(400, c["list"], "data字段图片数据不是list格式", request_id=request_id)
        if not data:
            return self._ctyun_error(400, c["zero"], "图片list内图片数量为0", request_id=request_id)
        if len(data) > 50:
            return self._ctyun_error(400, c["many"], "图片list内图片数量超过50张", request_id=request_id)
        with sim.lock:
            sim.batch_sizes.append(len(data))
        results: list[dict] = []
        ok = 0
        for item in data:
            problem = _ctyun_image(item)
            if problem is not None:
                code = c[problem]
                results.append({"err_code": int(code.removeprefix("AI_OP_")), "err_msg": _CTYUN_MESSAGES[problem]})
                continue
            image = base64.urlsafe_b64decode(item)
            seen = answers.recognise(image, None, use_engine=False)
            if seen is None and idcard and sim.config.use_engine:
                # Not one of our specimens: like the vendor, find out which side it is by reading it.
                for side in (DocumentKind.CN_ID_PORTRAIT, DocumentKind.CN_ID_EMBLEM):
                    seen = answers.recognise(image, side, use_engine=True)
                    if seen is not None:
                        break
            forms = frozenset(sim.config.answer_forms)
            results.append(answers.ctyun_idcard(seen, forms) if idcard else answers.ctyun_general(seen, forms))
            ok += 1
        return self._json(200, {"statusCode": 0, "message": {"success": ok, "fail": len(data) - ok}, "returnObj": results},
                          headers={"ctyun-eop-request-id": request_id})


_CTYUN_GENERAL_CODES = {
    "empty": "AI_OP_400003", "json": "AI_OP_400004", "dict": "AI_OP_400005", "missing": "AI_OP_400006",
    "list": "AI_OP_400008", "zero": "AI_OP_400009", "many": "AI_OP_400018", "base64": "AI_OP_400011",
    "format": "AI_OP_400012", "bytes": "AI_OP_400013", "decode": "AI_OP_410001", "size": "AI_OP_410002",
}
_CTYUN_IDCARD_CODES = {
    "empty": "AI_OP_4001", "json": "AI_OP_4001", "dict": "AI_OP_4002", "missing": "AI_OP_4003",
    "list": "AI_OP_4004", "zero": "AI_OP_4005", "many": "AI_OP_4006", "base64": "AI_OP_4008",
    "format": "AI_OP_4009", "bytes": "AI_OP_4010", "decode": "AI_OP_4009", "size": "AI_OP_4011",
}
_CTYUN_MESSAGES = {
    "base64": "base64数据处理异常", "format": "请求文件格式不合法，仅支持 jpeg/png/jpg/bmp 格式",
    "bytes": "单张图片大小超过10M", "decode": "图片解码错误", "size": "图片尺寸不符合要求，分辨率长宽尺寸应小于5000大于32",
}
_URLSAFE = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


def _ctyun_image(item: object) -> str | None:
    if not isinstance(item, str) or not item or not _URLSAFE.match(item):
        return "base64"  # the document asks for URL-safe base64: "+" and "/" are refused
    try:
        image = base64.urlsafe_b64decode(item)
    except (binascii.Error, ValueError):
        return "base64"
    if len(image) > TEN_MB:
        return "bytes"
    return _image_problem(image, {"JPEG", "PNG", "BMP"}, 32, 5000, exclusive=True)


def _image_problem(image: bytes, formats: set[str], low: int, high: int, *, exclusive: bool) -> str | None:
    try:
        with Image.open(io.BytesIO(image)) as probe:
            fmt = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError, ValueError):
        return "decode" if formats == {"JPEG", "PNG", "BMP"} else "format"
    if fmt not in formats:
        return "format"
    short, long_ = min(width, height), max(width, height)
    if exclusive:
        return "size" if short <= low or long_ >= high else None
    return "size" if short < low or long_ > high else None
