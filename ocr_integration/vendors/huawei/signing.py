"""AK/SK request signing, Huawei's ``SDK-HMAC-SHA256`` scheme.

# Reference: vendor-docs/001 §2.3 "AK/SK-based Authentication" (points to Huawei's API Request
# Signing Guide). The output is byte-identical to the signer of Huawei's official Python SDK
# (``huaweicloudsdkcore.signer.Signer``), which the tests use as an oracle.

Canonical request = METHOD \\n canonical URI (each segment percent-encoded, always ending in
``/``) \\n canonical query (sorted, percent-encoded) \\n canonical headers (``name:value\\n``,
lower-case names, sorted) \\n signed header names joined by ``;`` \\n hex(SHA-256(body)).
String to sign = ``SDK-HMAC-SHA256`` \\n X-Sdk-Date \\n hex(SHA-256(canonical request)).
Signature = hex(HMAC-SHA256(SK, string to sign)).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote, urlsplit

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
HEADER_DATE = "X-Sdk-Date"
HEADER_CONTENT_SHA = "X-Sdk-Content-Sha256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _encode(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    parts = []
    for key in sorted(grouped):
        for value in sorted(grouped[key]):
            parts.append(f"{_encode(key)}={_encode(value)}")
    return "&".join(parts)


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    # Huawei's signer leaves out headers whose names contain "_" (gateways may drop them).
    return sorted(name.lower() for name in headers if "_" not in name)


def payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    if not body:
        return EMPTY_SHA256
    for name, value in headers.items():
        if name.lower() == HEADER_CONTENT_SHA.lower():
            return value
    return hashlib.sha256(body).hexdigest()


def canonical_request(
    method: str, path: str, query: list[tuple[str, str]], headers: Mapping[str, str], body: bytes,
    signed: list[str],
) -> str:
    lowered = {name.lower(): str(value).strip() for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in signed)
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers,
            ";".join(signed),
            payload_hash(headers, body),
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """Return ``headers`` plus ``Host``, ``X-Sdk-Date`` and ``Authorization``, ready to send.

    ``Host`` is taken from the URL (with its port when not the default, as httpx sends it).
    Every header given is signed, as the official signer does.
    """
    parts = urlsplit(url)
    result = {name: str(value).strip() for name, value in headers.items()}
    content_type = next((v for k, v in result.items() if k.lower() == "content-type"), "")
    if content_type and not content_type.startswith(("application/json", "application/bson")):
        result[HEADER_CONTENT_SHA] = "UNSIGNED-PAYLOAD"
    if not any(k.lower() == HEADER_DATE.lower() for k in result):
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        result[HEADER_DATE] = moment.strftime(DATE_FORMAT)
    sdk_date = next(v for k, v in result.items() if k.lower() == HEADER_DATE.lower())
    if not any(k.lower() == "host" for k in result):
        result["Host"] = parts.netloc
    signed = signed_header_names(result)
    canonical = canonical_request(
        method, parts.path or "/", parse_qsl(parts.query, keep_blank_values=True), result, body, signed
    )
    sig = signature(secret_key, string_to_sign(canonical, sdk_date))
    result["Authorization"] = f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return result


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """``(access_key, signed_headers, signature)`` from an Authorization header, or None."""
    prefix = ALGORITHM + " "
    if not value.startswith(prefix):
        return None
    fields: dict[str, str] = {}
    for part in value[len(prefix):].split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            return None
        fields[key] = val
    try:
        return fields["Access"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError:
        return None


def verify(
    *, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes, secret_for: Mapping[str, str],
) -> str | None:
    """The access key of a correctly signed request, or None (used by the simulator)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    parsed = parse_authorization(lowered.get("authorization", ""))
    if parsed is None:
        return None
    access_key, signed, sig = parsed
    secret = secret_for.get(access_key)
    sdk_date = lowered.get(HEADER_DATE.lower())
    if secret is None or not sdk_date or any(name not in lowered for name in signed):
        return None
    subset = {name: lowered[name] for name in signed}
    if HEADER_CONTENT_SHA.lower() in lowered:
        subset[HEADER_CONTENT_SHA] = lowered[HEADER_CONTENT_SHA.lower()]
    canonical = canonical_request(method, path, parse_qsl(query, keep_blank_values=True), subset, body, signed)
    expected = signature(secret, string_to_sign(canonical, sdk_date))
    return access_key if hmac.compare_digest(expected, sig) else None
