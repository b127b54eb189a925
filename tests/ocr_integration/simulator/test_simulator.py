"""The simulator enforces the documented contracts: requests that break them get the documented
codes and bodies (raw HTTP here, so the client's own care cannot hide a lax simulator)."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from PIL import Image

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.simulator.server import CTYUN_IDCARD_PATH
from ocr_integration.simulator.testing import (
    CTYUN_AK,
    CTYUN_APPKEY,
    CTYUN_SK,
    HUAWEI_AK,
    HUAWEI_SK,
    PROJECT_ID,
)
from ocr_integration.vendors.ctyun import signing as eop
from ocr_integration.vendors.huawei import signing as aksk


def huawei_post(sim, api, payload, *, sk=HUAWEI_SK, raw=None, headers=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    url = f"{sim.url}/v2/{PROJECT_ID}/ocr/{api}"
    signed = aksk.sign(method="POST", url=url, headers=headers or {"Content-Type": "application/json"}, body=body,
                       access_key=HUAWEI_AK, secret_key=sk)
    return httpx.post(url, content=body, headers=signed, timeout=120)  # the engine can take seconds


def ctyun_post(sim, payload, *, now=None, raw=None, zone=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **eop.sign(access_key=CTYUN_AK, secret_key=CTYUN_SK,
                                                              app_key=CTYUN_APPKEY, body=body, now=now, zone=zone)}
    return httpx.post(sim.url + CTYUN_IDCARD_PATH, content=body, headers=headers, timeout=120)  # the engine is slow under load


def png(width, height):
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("payload,raw,code", [
    (None, b"{not json", "ModelArts.4105"),
    ({}, None, "AIS.0101"),
    ({"image": "data:image/png;base64,AAAA"}, None, "AIS.0102"),
    ({"image": "***"}, None, "AIS.0102"),
    ({"image": base64.b64encode(b"GIF89a....").decode()}, None, "AIS.0102"),
    ({"image": base64.b64encode(png(10, 100)).decode()}, None, "AIS.0103"),
    ({"image": base64.b64encode(png(4100, 20)).decode()}, None, "AIS.0103"),
    ({"image": base64.b64encode(png(200, 100)).decode()}, None, "AIS.0104"),  # no document in it
])
def test_huawei_request_validation(sim, payload, raw, code):
    response = huawei_post(sim, "passport", payload, raw=raw)
    assert response.status_code == 400
    assert response.json()["error_code"] == code and response.json()["error_msg"]


def test_huawei_auth_errors(sim):
    assert huawei_post(sim, "passport", {}, sk="bad").json()["error_code"] == "APIG.0301"
    response = httpx.post(f"{sim.url}/v2/{PROJECT_ID}/ocr/passport", json={})
    assert (response.status_code, response.json()["error_code"]) == (401, "APIG.0301")
    assert "x-auth-token not found" in response.json()["error_msg"]
    response = httpx.post(f"{sim.url}/v2/{PROJECT_ID}/ocr/passport", json={}, headers={"X-Auth-Token": "forged"})
    assert "decrypt token fail" in response.json()["error_msg"]
    assert huawei_post(sim, "no-such-api", {}).json()["error_code"] == "APIG.0101"


def test_iam_issues_a_24_hour_token_in_the_header(sim):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "sim-user", "password": "sim-password", "domain": {"name": "sim-domain"}}}},
        "scope": {"project": {"name": "ae-ad-1"}}}}
    response = httpx.post(sim.url + "/v3/auth/tokens", json=body)
    assert response.status_code == 201 and response.headers["X-Subject-Token"]
    expires = datetime.fromisoformat(response.json()["token"]["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)
    body["auth"]["identity"]["password"]["user"]["password"] = "wrong"
    assert httpx.post(sim.url + "/v3/auth/tokens", json=body).status_code == 401


def test_ctyun_gateway_clock_is_beijing_wall_time_labelled_z(sim):
    # What the document's example sends when run in China: time.localtime() + a literal Z.
    beijing = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).strftime("%Y%m%dT%H%M%S") + "Z"
    assert ctyun_post(sim, {"data": []}, zone=eop.clock_zone("+08:00")).json()["statusCode"] == 4005
    assert eop.sign(access_key="a", secret_key="s", app_key="k", body=b"")["eop-date"][:11] == beijing[:11]
    # UTC labelled Z is eight hours off for this gateway.
    assert ctyun_post(sim, {"data": []}, zone=UTC).json()["statusCode"] == 10020


def test_ctyun_gateway_clock_zone_is_configurable(sim):
    sim.config.ctyun_clock_zone = "UTC"
    assert ctyun_post(sim, {"data": []}, zone=UTC).json()["statusCode"] == 4005
    assert ctyun_post(sim, {"data": []}).json()["statusCode"] == 10020


@pytest.mark.parametrize("payload,raw,code", [
    (None, b"[1]", "AI_OP_4002"),
    (None, b"nope", "AI_OP_4001"),
    ({}, None, "AI_OP_4003"),
    ({"data": "x"}, None, "AI_OP_4004"),
    ({"data": []}, None, "AI_OP_4005"),
    ({"data": ["AAAA"] * 51}, None, "AI_OP_4006"),
])
def test_ctyun_request_validation(sim, payload, raw, code):
    body = ctyun_post(sim, payload, raw=raw).json()
    assert body["error"] == code and body["message"] == "error"


def test_ctyun_per_image_errors_and_url_safe_base64(sim, specimen):
    image = specimen(K.CN_ID_PORTRAIT).image
    standard = base64.b64encode(image).decode()
    assert "+" in standard or "/" in standard
    data = [base64.urlsafe_b64encode(image).decode(), standard, base64.urlsafe_b64encode(png(20, 20)).decode()]
    body = ctyun_post(sim, {"data": data}).json()
    assert body["statusCode"] == 0 and body["message"] == {"success": 1, "fail": 2}
    assert body["returnObj"][0]["note"] == "back"  # CTyun's "back" is the portrait side
    assert [item.get("err_code") for item in body["returnObj"][1:]] == [4008, 4011]


def test_per_account_qps_answers_with_the_throttle_error(sim):
    # One request per 20 s: the bucket holds one request and refills nothing while four are sent.
    # (At 2 per second a loaded machine refilled it between two requests, and fewer were throttled.)
    sim.config.qps = 0.05
    codes = [huawei_post(sim, "passport", {}).json()["error_code"] for _ in range(4)]
    assert codes[0] != "APIG.0308" and codes[1:] == ["APIG.0308"] * 3 and sim.stats["throttled"] == 3


def test_latency_is_added(sim):
    import time

    sim.config.latency_ms = 300
    started = time.monotonic()
    httpx.get(sim.url + "/")
    assert time.monotonic() - started >= 0.3


def test_management_command_rejects_unknown_faults():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("ocr_simulator", "--fault", "gremlins", "--port", "0")


@pytest.mark.slow
def test_images_that_are_not_specimens_are_read_by_the_embedded_engine(sim, specimen):
    from PIL import ImageDraw

    from ocr_integration.specimens import ground_truth_for_image

    sim.config.use_engine = True
    spec = specimen(K.PASSPORT)
    image = Image.open(io.BytesIO(spec.image)).convert("RGB")
    ImageDraw.Draw(image).rectangle([0, 0, int(image.width * 0.25), int(image.width * 0.07)], fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    assert ground_truth_for_image(out.getvalue()) is None  # the specimen tag is gone
    answer = huawei_post(sim, "passport", {"image": base64.b64encode(out.getvalue()).decode()})
    assert answer.status_code == 200
    assert answer.json()["result"]["passport_number"] == spec.truth.fields["document_number"]
    blank = huawei_post(sim, "passport", {"image": base64.b64encode(png(600, 400)).decode()})
    assert blank.json()["error_code"] == "AIS.0104"  # neither a specimen nor readable: "no text"


def _without_specimen_tag(image_bytes: bytes) -> bytes:
    from PIL import ImageDraw

    from ocr_integration.specimens import ground_truth_for_image

    image = Image.open(io.BytesIO(image_bytes)).convert("RGB")
    ImageDraw.Draw(image).rectangle([0, 0, int(image.width * 0.25), int(image.width * 0.07)], fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    assert ground_truth_for_image(out.getvalue()) is None  # the specimen tag is gone
    return out.getvalue()


@pytest.mark.slow
def test_ctyun_idcard_reads_unknown_images_with_the_embedded_engine_and_finds_the_side(sim, specimen):
    sim.config.use_engine = True
    portrait, emblem = specimen(K.CN_ID_PORTRAIT), specimen(K.CN_ID_EMBLEM)
    data = [base64.urlsafe_b64encode(_without_specimen_tag(s.image)).decode() for s in (portrait, emblem)]
    body = ctyun_post(sim, {"data": data}).json()
    assert body["message"] == {"success": 2, "fail": 0}
    read_portrait, read_emblem = body["returnObj"]
    assert read_portrait["note"] == "back"  # CTyun's "back" is the portrait side
    assert read_portrait["detail"]["idn"] == portrait.truth.fields["id_number"]
    assert read_emblem["note"] == "front"
    assert read_emblem["detail"]["validperiod"] == emblem.truth.fields["validity_period"]
