"""Signers against the official Huawei SDK signer and the CTyun document's own example code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from ocr_integration.vendors.ctyun import signing as eop
from ocr_integration.vendors.huawei import signing as aksk

AK = "QTWAOYTTINDUT2QVKYUC"
SK = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"


def official_authorization(method, host, path, query, headers, body):
    request = SdkRequest(
        method=method, schema="https", host=host, resource_path=path, uri=path,
        query_params=list(query), header_params=dict(headers), body=body,
    )
    Signer(BasicCredentials(AK, SK)).sign(request)
    return request.header_params["Authorization"]


CASES = [
    ("POST", "ocr.ae-ad-1.g42cloud.com", "/v2/0a1b2c3d4e5f/ocr/passport", [], b'{"image": "aGVsbG8="}'),
    ("POST", "ocr.ap-southeast-1.myhuaweicloud.com", "/v2/abc/ocr/id-document", [], json.dumps({"image": "x", "country_region": ["ALB"]}).encode()),
    ("GET", "127.0.0.1:8123", "/v2/p/some path/ünï", [("limit", "2"), ("marker", "a b~c/d"), ("a", "")], b""),
    ("POST", "iam.ae-ad-1.g42cloud.com", "/v3/auth/tokens", [("nocatalog", "true")], b"{}"),
]


@pytest.mark.parametrize("method,host,path,query,body", CASES)
def test_aksk_authorization_is_byte_identical_to_the_official_signer(method, host, path, query, body):
    headers = {"Content-Type": "application/json;charset=UTF-8", "X-Sdk-Date": "20261121T052700Z", "Host": host}
    ours = aksk.sign(
        method=method, url=f"https://{host}{path}" + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else ""),
        headers=headers, body=body, access_key=AK, secret_key=SK,
    )
    assert ours["Authorization"] == official_authorization(method, host, path, query, headers, body)


def test_aksk_non_json_bodies_are_signed_unsigned_payload_like_the_official_signer():
    headers = {"Content-Type": "application/octet-stream", "X-Sdk-Date": "20261121T052700Z", "Host": "h"}
    ours = aksk.sign(method="PUT", url="https://h/v1/x", headers=headers, body=b"\x00\x01", access_key=AK, secret_key=SK)
    assert ours["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert ours["Authorization"] == official_authorization("PUT", "h", "/v1/x", [], headers, b"\x00\x01")


def test_aksk_signature_verifies_and_a_changed_body_does_not():
    signed = aksk.sign(method="POST", url="http://127.0.0.1:9/v2/p/ocr/passport", headers={"Content-Type": "application/json"}, body=b"{}", access_key=AK, secret_key=SK)
    assert aksk.verify(method="POST", path="/v2/p/ocr/passport", query="", headers=signed, body=b"{}", secret_for={AK: SK}) == AK
    assert aksk.verify(method="POST", path="/v2/p/ocr/passport", query="", headers=signed, body=b"{ }", secret_for={AK: SK}) is None
    assert aksk.verify(method="POST", path="/v2/p/ocr/passport", query="", headers=signed, body=b"{}", secret_for={AK: "other"}) is None


def test_aksk_date_is_utc():
    signed = aksk.sign(method="POST", url="https://h/x", headers={}, body=b"", access_key=AK, secret_key=SK)
    stamp = datetime.strptime(signed["X-Sdk-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 5


# --- CTyun: the document's §4.1.4 example, with its two inputs (clock, uuid) made parameters ---

def document_example_signature(ak, sk, app_key, params, request_id, eop_date, request_url):
    """vendor-docs/002 §4.1.4 get_signature(), verbatim apart from taking the time and id."""
    from urllib.parse import urlparse

    def sha256(content):
        x = hashlib.sha256()
        x.update(content.encode())
        return x.hexdigest().upper()

    def hmac_sha256(key, content):
        sign = hmac.new(key, content, digestmod="sha256").digest()
        return base64.b64encode(sign)

    eop_date_simple = eop_date[:8]
    camp_header = "appkey:{0}\nctyun-eop-request-id:{1}\neop-date:{2}\n".format(app_key, request_id, eop_date)  # noqa: UP030, UP032 - verbatim from the document
    parsed_url = urlparse(request_url)
    query = parsed_url.query
    query_params = sorted(query.split("&"))
    after_query = ""
    for query_param in query_params:
        if len(after_query) < 1:
            after_query += query_param
        else:
            after_query += "&" + query_param
    content_hash = sha256(json.dumps(params)).lower()
    pre_signature = camp_header + "\n" + after_query + "\n" + content_hash
    k_time = hmac_sha256(sk.encode("utf-8"), eop_date.encode("utf-8"))
    k_ak = hmac_sha256(base64.b64decode(k_time), ak.encode("utf-8"))
    k_date = hmac_sha256(base64.b64decode(k_ak), eop_date_simple.encode("utf-8"))
    signature = hmac_sha256(base64.b64decode(k_date), pre_signature.encode("utf-8"))
    return "{0} Headers=appkey;ctyun-eop-request-id;eop-date Signature={1}".format(ak, signature.decode())  # noqa: UP030, UP032


@pytest.mark.parametrize("query", ["", "b=2&a=1"])
def test_eop_signature_matches_the_document_example(query):
    params = {"data": ["_9j_4AAQSkZJRg"]}
    url = "https://ai-global.ctapi.ctyun.cn/v1/aiop/api/2f3os7qq79xc/IdentityCard/ocr/v1/idcard.json" + (f"?{query}" if query else "")
    when = datetime(2021, 12, 21, 16, 30, 14, tzinfo=UTC)
    ours = eop.sign(
        access_key="ak-1", secret_key="sk-1", app_key="562b89493b1a40e1b97ea05e50dd8170",
        body=json.dumps(params).encode(), query=query, now=when, request_id="33dfa732-b27b-464f-b15a-21ed6845afd5",
        zone=eop.clock_zone("UTC"),
    )
    assert ours["eop-date"] == "20211221T163014Z"
    assert ours["Eop-Authorization"] == document_example_signature(
        "ak-1", "sk-1", "562b89493b1a40e1b97ea05e50dd8170", params,
        "33dfa732-b27b-464f-b15a-21ed6845afd5", "20211221T163014Z", url,
    )


@pytest.mark.parametrize("host_zone", ["UTC", "America/New_York"])
def test_eop_date_is_beijing_wall_time_whatever_the_host_zone(host_zone):
    code = (
        "from ocr_integration.vendors.ctyun.signing import sign;"
        "print(sign(access_key='a', secret_key='s', app_key='k', body=b'{}')['eop-date'])"
    )
    env = {**os.environ, "TZ": host_zone}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
    stamp = datetime.strptime(out, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone(timedelta(hours=8)))
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 10


def test_eop_date_in_the_configured_zone():
    when = datetime(2021, 12, 21, 16, 30, 14, tzinfo=UTC)
    assert eop.sign(access_key="a", secret_key="s", app_key="k", body=b"", now=when)["eop-date"] == "20211222T003014Z"
    assert eop.sign(access_key="a", secret_key="s", app_key="k", body=b"", now=when,
                    zone=eop.clock_zone("-05:30"))["eop-date"] == "20211221T110014Z"
    with pytest.raises(eop.ClockZoneError):
        eop.clock_zone("Mars/Olympus")


def test_eop_verify_reports_the_documented_codes():
    headers = eop.sign(access_key="ak", secret_key="sk", app_key="app", body=b'{"data":[]}')
    assert eop.verify(headers=headers, query="", body=b'{"data":[]}', secret_for={"ak": "sk"}) == ("ak", "")
    assert eop.verify(headers=headers, query="", body=b'{"data":[1]}', secret_for={"ak": "sk"}) == (None, "10020")
    assert eop.verify(headers=headers, query="", body=b'{"data":[]}', secret_for={"other": "sk"}) == (None, "10002")


def test_aksk_matches_huawei_published_example():
    """Huawei's API Request Signing Guide, "AK/SK Signing and Authentication Algorithm"
    (support.huaweicloud.com/intl/en-us/devg-apisign/api-sign-algorithm-002..004.html): the VPC
    list request, its hashed canonical request and its signature. (The vendor documents in
    vendor-docs/ point to this guide but do not reproduce it.)"""
    url = "https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
    headers = {"Content-Type": "application/json", "X-Sdk-Date": "20191115T033655Z", "Host": "service.region.example.com"}
    signed = aksk.sign(method="GET", url=url, headers=headers, body=b"", access_key=AK, secret_key=SK)
    canonical = aksk.canonical_request(
        "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs",
        [("limit", "2"), ("marker", "13551d6b-755d-4757-b956-536f674975c0")], headers, b"",
        ["content-type", "host", "x-sdk-date"],
    )
    assert aksk.string_to_sign(canonical, "20191115T033655Z") == (
        "SDK-HMAC-SHA256\n20191115T033655Z\nb25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
    )
    assert signed["Authorization"] == (
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"
    )
