"""The Huawei / G42 client over real HTTP against the simulator: every API, both auth schemes,
every error class."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

import pytest
from PIL import Image

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest
from ocr_integration.simulator.testing import vendor_environ, vendor_settings
from ocr_integration.vendors.huawei.client import (
    HuaweiOcrClient,
    account_from_settings,
    g42_provider,
)


def client(name="g42"):
    return HuaweiOcrClient(account_from_settings(name))


def read(kind, image, *, name="g42", country=None):
    return client(name).read(ReadRequest(kind, image, "image/png", country))


def test_passport_by_aksk_returns_the_specimen_fields(vendors, specimen, recorded, sim):
    spec = specimen(K.PASSPORT)
    reading = g42_provider().read(ReadRequest(K.PASSPORT, spec.image, spec.content_type))
    truth = spec.truth.fields
    assert reading.provider == "g42"
    for name in ("surname", "given_names", "document_number", "birth_date", "expiry_date"):
        assert reading.value(name) == truth[name]
    assert reading.fields["surname"].confidence is not None
    assert reading.vendor_request_id and len(reading.vendor_request_id) == 32
    assert "extra_info" in reading.raw_response["result"]
    assert [(a.vendor, a.endpoint, a.outcome, a.http_status) for a in recorded] == [("g42", "ocr/passport", "success", 200)]
    assert sim.stats["huawei:passport"] == 1


def test_emirates_id_front_and_back_and_back_mrz(vendors, specimen):
    front, back = specimen(K.EMIRATES_ID_FRONT), specimen(K.EMIRATES_ID_BACK)
    reading = read(K.EMIRATES_ID_FRONT, front.image)
    assert reading.value("id_number") == front.truth.fields["id_number"]
    assert reading.value("full_name") == front.truth.fields["full_name"]
    assert reading.value("birth_date") == front.truth.fields["birth_date"]  # dd/mm/yyyy back to ISO
    reading = read(K.EMIRATES_ID_BACK, back.image)
    assert reading.mrz_lines == tuple(back.truth.mrz_lines)
    assert reading.value("card_number") == back.truth.fields["card_number"]


@pytest.mark.parametrize("report_detected_side", [False, True])
@pytest.mark.parametrize("asked,photo", [(K.EMIRATES_ID_BACK, K.EMIRATES_ID_FRONT),
                                         (K.EMIRATES_ID_FRONT, K.EMIRATES_ID_BACK)])
def test_a_photo_of_the_other_side_is_an_invalid_image(vendors, sim, specimen, asked, photo, report_detected_side):
    # The document never says whether ``side`` in the answer is the detected side or an echo of
    # the one we forced: the content decides (MRZ on the back, fields only one side carries).
    sim.config.emirates_report_detected_side = report_detected_side
    with pytest.raises(OcrError) as caught:
        read(asked, specimen(photo).image)
    assert caught.value.error_class == ErrorClass.INVALID_IMAGE and caught.value.code == "wrong_side"


def test_side_is_judged_by_content_the_vendors_side_is_one_signal():
    from ocr_integration.vendors.huawei.normalise import emirates_side_seen

    mrz = {"machinecode1": "IDARE1234567890784199012345678", "side": "front"}
    assert emirates_side_seen(mrz) == "back"
    assert emirates_side_seen({"name": "A B", "name_arabic": "أ ب", "side": "back"}) == "front"
    assert emirates_side_seen({"card_number": "123456789", "laser_number": "1-2-3", "side": "front"}) == "back"
    assert emirates_side_seen({"id_number": "784-1990-1234567-1", "side": "back"}) == "back"
    assert emirates_side_seen({"side": "front"}) is None


def test_bank_card_number_is_masked_everywhere(vendors, specimen):
    spec = specimen(K.BANK_CARD)
    reading = read(K.BANK_CARD, spec.image)
    full = spec.truth.extras["card_number"]
    assert reading.value("card_number_masked") == spec.truth.fields["card_number_masked"]
    assert reading.value("card_number_luhn") == spec.truth.fields["card_number_luhn"]
    assert full.replace(" ", "") not in json.dumps(reading.to_json()).replace(" ", "")


def test_id_document_for_a_listed_country_and_general_text_mrz(vendors, specimen):
    spec = specimen(K.PASSPORT)
    reading = client("huawei").id_document(spec.image, kind=K.PASSPORT, country_region="ALB", id_type="PP")
    assert reading.value("document_number") == spec.truth.fields["document_number"]
    assert reading.value("document_code") == "P"
    assert "portrait_image" not in json.dumps(reading.raw_response)
    text = client("huawei").general_text(spec.image, kind=K.PASSPORT)
    assert text.mrz_lines == tuple(spec.truth.mrz_lines)


def test_unsupported_kind_is_a_configuration_error_without_any_call(vendors, specimen, sim):
    with pytest.raises(OcrError) as caught:
        read(K.CN_ID_PORTRAIT, specimen(K.CN_ID_PORTRAIT).image)
    assert caught.value.error_class == ErrorClass.CONFIGURATION
    assert sim.stats["requests"] == 0


# --- tokens -----------------------------------------------------------------------------------

@pytest.fixture
def token_auth(vendors, sim):
    vendors.OCR_VENDORS = vendor_settings(sim, auth="token")
    return vendors


def test_token_is_fetched_once_cached_and_refreshed_once_after_expiry(token_auth, specimen, sim, recorded):
    image = specimen(K.PASSPORT).image
    read(K.PASSPORT, image, name="huawei")
    read(K.PASSPORT, image, name="huawei")
    assert sim.stats["iam_tokens_issued"] == 1
    sim.expire_tokens()
    read(K.PASSPORT, image, name="huawei")
    assert sim.stats["iam_tokens_issued"] == 2
    assert [a.endpoint for a in recorded].count("iam/tokens") == 2
    assert [a.error_code for a in recorded if a.outcome != "success"] == ["APIG.0301"]


def test_a_token_refused_twice_is_refreshed_only_once(token_auth, specimen, sim):
    image = specimen(K.PASSPORT).image
    read(K.PASSPORT, image, name="huawei")
    sim.inject("token_expiry", count=2)
    with pytest.raises(OcrError) as caught:
        read(K.PASSPORT, image, name="huawei")
    assert caught.value.error_class == ErrorClass.CONFIGURATION and caught.value.code == "APIG.0301"
    assert sim.stats["iam_tokens_issued"] == 2


def test_wrong_iam_password_is_a_configuration_error(token_auth, sim, specimen):
    token_auth.OCR_VENDORS["huawei"]["password"] = "wrong"
    with pytest.raises(OcrError) as caught:
        read(K.PASSPORT, specimen(K.PASSPORT).image, name="huawei")
    assert caught.value.error_class == ErrorClass.CONFIGURATION and caught.value.code == "IAM.401"


def test_token_cache_is_shared_by_two_worker_processes(sim, specimen, tmp_path):
    # Each process reads a passport through the public client, as a worker would: the token the
    # simulator accepted for the read is the one the first process fetched and cached.
    spec = specimen(K.PASSPORT)
    (tmp_path / "passport.png").write_bytes(spec.image)
    script = textwrap.dedent(f"""
        import django, sys
        django.setup()
        from ocr_integration.vendors.huawei.client import account_from_settings, HuaweiOcrClient
        from ocr_integration.vendors import attempts
        attempts.set_sink(lambda a: None)
        image = open({str(tmp_path / "passport.png")!r}, "rb").read()
        print(HuaweiOcrClient(account_from_settings("huawei")).passport(image).value("document_number"))
    """)
    env = {**os.environ, **vendor_environ(sim, str(tmp_path), auth="token"), "DJANGO_SETTINGS_MODULE": "kyc.project.settings"}
    env.pop("CACHE_URL", None)
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    numbers = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert numbers == [spec.truth.fields["document_number"]] * 2
    assert sim.stats["iam_tokens_issued"] == 1


# --- error classes -----------------------------------------------------------------------------

def expect(error_class, code, kind, image):
    with pytest.raises(OcrError) as caught:
        read(kind, image)
    assert (caught.value.error_class, caught.value.code) == (error_class, code)
    return caught.value


def test_wrong_secret_key_is_configuration(vendors, specimen):
    vendors.OCR_VENDORS["g42"]["secret_key"] = "not-the-key"
    error = expect(ErrorClass.CONFIGURATION, "APIG.0301", K.PASSPORT, specimen(K.PASSPORT).image)
    assert "aksk" in error.vendor_message and error.http_status == 401


def test_wrong_project_id_is_configuration(vendors, specimen):
    vendors.OCR_VENDORS["g42"]["project_id"] = "someoneelses"
    expect(ErrorClass.CONFIGURATION, "APIG.0101", K.PASSPORT, specimen(K.PASSPORT).image)


def test_unsubscribed_api_is_configuration(vendors, sim, specimen):
    sim.config.unsubscribed = {"passport"}
    expect(ErrorClass.CONFIGURATION, "ModelArts.4204", K.PASSPORT, specimen(K.PASSPORT).image)


def test_missing_credentials_are_configuration(vendors, sim, specimen):
    vendors.OCR_VENDORS["g42"]["access_key"] = ""
    expect(ErrorClass.CONFIGURATION, "not_configured", K.PASSPORT, specimen(K.PASSPORT).image)
    assert sim.stats["requests"] == 0


def test_a_document_of_another_kind_is_an_invalid_image(vendors, specimen):
    expect(ErrorClass.INVALID_IMAGE, "AIS.0104", K.PASSPORT, specimen(K.BANK_CARD).image)


def test_a_file_that_is_not_an_image_is_refused_before_any_call(vendors, sim):
    expect(ErrorClass.INVALID_IMAGE, "not_an_image", K.PASSPORT, b"%PDF-1.4 not a photo")
    assert sim.stats["requests"] == 0


@pytest.mark.parametrize("fault,error_class,code", [
    ("malformed_json", ErrorClass.TRANSIENT, "malformed_response"),
    ("timeout", ErrorClass.TRANSIENT, "timeout"),
])
def test_faults_are_transient(vendors, sim, specimen, fault, error_class, code):
    sim.inject(fault)
    expect(error_class, code, K.PASSPORT, specimen(K.PASSPORT).image)


def test_5xx_is_transient_with_the_vendor_code(vendors, sim, specimen):
    sim.inject("5xx")
    with pytest.raises(OcrError) as caught:
        read(K.PASSPORT, specimen(K.PASSPORT).image)
    assert caught.value.error_class == ErrorClass.TRANSIENT
    assert caught.value.code in {"ModelArts.4403", "APIG.0201", "ModelArts.4505"}
    assert caught.value.http_status >= 500


def test_throttling_is_reported_with_retry_after_and_every_process_backs_off(vendors, sim, specimen):
    sim.config.qps = 1  # the vendor allows 1/s; our configured limit (0 = none) is wrong
    image = specimen(K.PASSPORT).image
    read(K.PASSPORT, image)
    error = expect(ErrorClass.THROTTLED, "APIG.0308", K.PASSPORT, image)
    assert error.retry_after == 1.0 and error.http_status == 429
    # The Retry-After penalty makes the next call wait instead of drawing another 429.
    vendors.OCR_VENDORS["g42"]["qps"] = 1
    assert read(K.PASSPORT, image).value("surname")
    assert sim.stats["throttled"] == 1


def test_an_oversized_phone_photo_is_downscaled_not_refused(vendors, specimen, sim):
    # About the image's size, not the timeout: the fixture's 1.5 s read timeout expired under load
    # while the simulator decoded the downscaled photo.
    vendors.OCR_VENDOR_READ_TIMEOUT = 30
    spec = specimen(K.PASSPORT)
    big = Image.open(io.BytesIO(spec.image)).convert("RGB")
    scale = 6000 / max(big.size)
    big = big.resize((int(big.width * scale), int(big.height * scale)))
    out = io.BytesIO()
    big.save(out, "TIFF")  # large and uncompressed: over both the pixel and the 10 MB limit
    assert len(out.getvalue()) > 10 * 1024 * 1024
    reading = read(K.PASSPORT, out.getvalue())
    assert reading.value("document_number") == spec.truth.fields["document_number"]


@pytest.mark.django_db
def test_attempts_are_stored_without_personal_data(vendors, specimen):
    from ocr_integration.models import OcrAttempt
    from ocr_integration.vendors import attempts

    attempts.set_sink(None)
    spec = specimen(K.PASSPORT)
    with attempts.subject("document:42"):
        read(K.PASSPORT, spec.image)
    row = OcrAttempt.objects.get()
    assert (row.vendor, row.endpoint, row.outcome, row.http_status, row.subject_ref) == (
        "g42", "ocr/passport", "success", 200, "document:42")
    stored = json.dumps(list(OcrAttempt.objects.values()), default=str)
    assert spec.truth.fields["surname"] not in stored and spec.truth.fields["document_number"] not in stored


# --- APIGW codes and bare statuses (vendor-docs/001 §4.1, §4.2) -------------------------------

def test_apigw_codes_are_classed_like_their_apig_twins(vendors, sim, specimen):
    sim.config.huawei_gateway_prefix = "APIGW"
    vendors.OCR_VENDORS["g42"]["secret_key"] = "not-the-key"
    expect(ErrorClass.CONFIGURATION, "APIGW.0301", K.PASSPORT, specimen(K.PASSPORT).image)
    vendors.OCR_VENDORS["g42"]["secret_key"] = vendor_settings(sim)["g42"]["secret_key"]
    sim.config.qps = 1
    image = specimen(K.PASSPORT).image
    read(K.PASSPORT, image)
    error = expect(ErrorClass.THROTTLED, "APIGW.0308", K.PASSPORT, image)
    assert error.retry_after == 1.0


def test_an_apigw_token_error_refreshes_the_token_once(token_auth, sim, specimen, recorded):
    sim.config.huawei_gateway_prefix = "APIGW"
    image = specimen(K.PASSPORT).image
    read(K.PASSPORT, image, name="huawei")
    sim.expire_tokens()
    assert read(K.PASSPORT, image, name="huawei").value("surname")
    assert sim.stats["iam_tokens_issued"] == 2
    assert [a.error_code for a in recorded if a.outcome != "success"] == ["APIGW.0301"]


@pytest.mark.parametrize("fault,status", [("bare_400", 400), ("bare_503", 503)])
def test_a_status_without_a_code_that_the_document_says_not_to_repeat_is_permanent(vendors, sim, specimen, fault,
                                                                                    status, recorded):
    sim.inject(fault)
    error = expect(ErrorClass.CONFIGURATION, f"HTTP.{status}", K.PASSPORT, specimen(K.PASSPORT).image)
    assert not error.retryable and error.http_status == status
    assert [(a.outcome, a.error_code) for a in recorded] == [("configuration", f"HTTP.{status}")]


def test_general_text_location_as_the_tables_flat_integers_reads_like_the_examples_pairs(vendors, sim, specimen):
    spec = specimen(K.PASSPORT)
    sim.config.answer_forms = frozenset({"huawei_location_flat"})
    reading = client("huawei").general_text(spec.image, kind=K.PASSPORT)
    assert all(isinstance(v, int) for v in reading.raw_response["result"]["words_block_list"][0]["location"])
    assert reading.mrz_lines == tuple(spec.truth.mrz_lines)


# --- fields a reviewer wants, and the 10 MB body limit (vendor-docs/001 §3.1-§3.3, §4.2) ---------

def normalised(answer, response_model, build):
    from ocr_integration.vendors.huawei import models

    return build(models.parse_structured(answer, response_model, "example"))


def test_documented_fields_that_were_dropped_now_reach_the_reading():
    from ocr_integration.vendors.huawei import models, normalise

    back = normalised({"result": {"side": "back", "card_number": "123456789", "laser_number": "1234-1234567-12",
                                  "confidence": {"laser_number": 0.9994}}},
                      models.EmiratesIdResponse, lambda r: normalise.emirates_id("g42", K.EMIRATES_ID_BACK, r, {}, None))
    assert back.value("laser_number") == "1234-1234567-12"
    front = normalised({"result": {"side": "front", "id_number": "784-1990-1234567-1", "nationality": "Egypt",
                                   "nationality_arabic": "مصر", "sex": "أنثى"}},
                       models.EmiratesIdResponse, lambda r: normalise.emirates_id("g42", K.EMIRATES_ID_FRONT, r, {}, None))
    assert (front.value("nationality_arabic"), front.value("sex")) == ("مصر", "F")
    card = normalised({"result": {"card_number": "6225 7687 0000 8243", "issue_date": "12/10", "expiry_date": "12/20",
                                  "type": "Visa", "card_holder": "SALIM RASHID"}},
                      models.BankCardResponse, lambda r: normalise.bankcard("g42", r, {}, None))
    assert (card.value("card_issue_date"), card.value("card_expiry")) == ("12/10", "12/20")
    passport = normalised({"result": {"country_code": "CHN", "passport_number": "E12345678", "place_of_issue": "BEIJING",
                                      "extra_info": {"name": "张三", "place_of_birth": "北京"}}},
                          models.PassportResponse, lambda r: normalise.passport("huawei", r, {}, None))
    assert passport.value("place_of_issue") == "BEIJING"
    assert (passport.value("local_name"), passport.value("local_place_of_birth")) == ("张三", "北京")


def test_arabic_sex_is_read_as_m_or_f(vendors, sim, specimen):
    spec = specimen(K.EMIRATES_ID_FRONT)
    sim.config.answer_forms = frozenset({"emirates_sex_arabic"})
    reading = read(K.EMIRATES_ID_FRONT, spec.image)
    assert reading.raw_response["result"]["sex"] in ("ذكر", "أنثى")
    assert reading.value("sex") == spec.truth.fields["sex"]


def test_an_image_just_under_10_mb_of_base64_is_fitted_so_the_whole_body_fits(vendors, sim, specimen, recorded):
    spec = specimen(K.PASSPORT)
    # The specimen PNG padded (after IEND, where decoders stop) to 10 MB of base64 less 8 bytes.
    target = (10 * 1024 * 1024 - 8) // 4 * 3
    padded = spec.image + b"\0" * (target - len(spec.image))
    assert 10 * 1024 * 1024 - 16 < 4 * ((len(padded) + 2) // 3) <= 10 * 1024 * 1024
    assert read(K.PASSPORT, padded).value("document_number") == spec.truth.fields["document_number"]
    assert sim.stats.get("error:ModelArts.4104", 0) == 0 and [a.outcome for a in recorded] == ["success"]
