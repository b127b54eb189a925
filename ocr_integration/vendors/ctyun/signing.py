"""EOP request signing for China Telecom Cloud.

# Reference: vendor-docs/002 §4.1.3 认证鉴权 (基本签名流程, 创建待签名字符串, 构造动态密钥,
# 签名应用及示例) and §4.1.4 Python3调用示例.

String to sign = the signed headers as ``name:value\\n`` sorted by name, then ``\\n``, the query
sorted and joined with ``&``, ``\\n``, lower-case hex SHA-256 of the body exactly as sent.
Keys: ktime = HMAC(sk, eop-date); kak = HMAC(ktime, ak); kdate = HMAC(kak, yyyymmdd);
signature = base64(HMAC(kdate, string to sign)).
Header: ``Eop-Authorization: {ak} Headers=appkey;ctyun-eop-request-id;eop-date Signature={sig}``.

``eop-date``: the document's example formats ``time.localtime()`` and appends a literal ``Z``. Run
where the vendor's examples run, that is Beijing wall time (UTC+8) labelled ``Z``, and public
third-party clients of this gateway say so (vendor-docs/README.md). The zone is therefore a
vendor-account setting (``clock_zone``, default ``Asia/Shanghai``), never the host's local zone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATE_FORMAT = "%Y%m%dT%H%M%SZ"
DEFAULT_CLOCK_ZONE = "Asia/Shanghai"
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$")


class ClockZoneError(ValueError):
    """The configured ``eop-date`` zone is neither an IANA name nor a ``+HH:MM`` offset."""


def clock_zone(name: str) -> tzinfo:
    """The zone whose wall time ``eop-date`` carries: ``Asia/Shanghai``, ``UTC`` or ``+08:00``."""
    text = (name or "").strip()
    if text.upper() in ("UTC", "Z"):
        return UTC
    match = _OFFSET.match(text)
    if match:
        sign_, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        if offset > timedelta(hours=14):
            raise ClockZoneError(f"{name!r} is not a UTC offset between -14:00 and +14:00")
        return timezone(-offset if sign_ == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ClockZoneError(
            f"{name!r} is not a time zone: use an IANA name such as Asia/Shanghai, UTC, or an offset such as +08:00"
        ) from exc


def eop_date(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime(DATE_FORMAT)


def parse_eop_date(value: str, zone: tzinfo) -> datetime:
    """The instant an ``eop-date`` names, read as wall time in ``zone`` (the literal Z is a label)."""
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=zone)
SIGNED_HEADERS = ("appkey", "ctyun-eop-request-id", "eop-date")


def _hmac(key: bytes, data: str) -> bytes:
    return hmac.new(key, data.encode("utf-8"), hashlib.sha256).digest()


def string_to_sign(header_values: dict[str, str], query: str, body: bytes) -> str:
    headers = "".join(f"{name}:{header_values[name]}\n" for name in sorted(header_values))
    sorted_query = "&".join(sorted(query.split("&"))) if query else ""
    return headers + "\n" + sorted_query + "\n" + hashlib.sha256(body).hexdigest()


def signature(*, access_key: str, secret_key: str, eop_date: str, to_sign: str) -> str:
    k_time = _hmac(secret_key.encode("utf-8"), eop_date)
    k_ak = _hmac(k_time, access_key)
    k_date = _hmac(k_ak, eop_date[:8])
    return base64.b64encode(_hmac(k_date, to_sign)).decode("ascii")


def sign(
    *,
    access_key: str,
    secret_key: str,
    app_key: str,
    body: bytes,
    query: str = "",
    now: datetime | None = None,
    request_id: str | None = None,
    zone: tzinfo | None = None,
) -> dict[str, str]:
    """The EOP headers for one request: appkey, ctyun-eop-request-id, eop-date (wall time in
    ``zone``, Beijing time when not given), Eop-Authorization."""
    values = {
        "appkey": app_key,
        "ctyun-eop-request-id": request_id or str(uuid.uuid4()),
        "eop-date": eop_date(now or datetime.now(UTC), zone or clock_zone(DEFAULT_CLOCK_ZONE)),
    }
    sig = signature(
        access_key=access_key, secret_key=secret_key, eop_date=values["eop-date"],
        to_sign=string_to_sign(values, query, body),
    )
    return {
        **values,
        "Eop-Authorization": f"{access_key} Headers={';'.join(SIGNED_HEADERS)} Signature={sig}",
    }


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """``(access_key, signed_header_names, signature)`` or None. Tolerates the spaces the
    document's prose puts around ``=`` (``Headers = a;b``)."""
    head, sep, rest = value.strip().partition(" ")
    if not sep or not head:
        return None
    compact = rest.replace(" = ", "=").replace("= ", "=").replace(" =", "=")
    fields = dict(part.partition("=")[::2] for part in compact.split())
    if "Headers" not in fields or "Signature" not in fields:
        return None
    return head, [h.strip().lower() for h in fields["Headers"].split(";") if h.strip()], fields["Signature"]


def verify(
    *, headers: dict[str, str], query: str, body: bytes, secret_for: dict[str, str]
) -> tuple[str | None, str]:
    """``(access_key, "")`` for a correctly signed request, else ``(None, code)`` with the
    documented global code: 10002 for an unknown AK, 10020 for a wrong signature."""
    lowered = {name.lower(): value for name, value in headers.items()}
    parsed = parse_authorization(lowered.get("eop-authorization", ""))
    if parsed is None:
        return None, "10020"
    access_key, signed, sig = parsed
    if access_key not in secret_for:
        return None, "10002"
    if "eop-date" not in signed or "ctyun-eop-request-id" not in signed:
        return None, "10020"
    if any(name not in lowered for name in signed):
        return None, "10020"
    values = {name: lowered[name] for name in signed}
    expected = signature(
        access_key=access_key, secret_key=secret_for[access_key], eop_date=values["eop-date"],
        to_sign=string_to_sign(values, query, body),
    )
    return (access_key, "") if hmac.compare_digest(expected, sig) else (None, "10020")
