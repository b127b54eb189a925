"""read_document through real vendor clients and the simulator: routing, fallback, second reader,
an OcrAttempt row for every vendor HTTP call; accounts configured in the admin; wrong shapes."""

from __future__ import annotations

import pytest

from ocr_integration import services
from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.models import OcrAttempt, VendorAccount
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest
from ocr_integration.simulator.testing import (
    CTYUN_AK,
    CTYUN_APPKEY,
    CTYUN_SK,
    HUAWEI_AK,
    HUAWEI_SK,
    PROJECT_ID,
)
from ocr_integration.vendors import attempts
from ocr_integration.vendors.ctyun.client import ctyun_provider
from ocr_integration.vendors.huawei.client import g42_provider


@pytest.mark.django_db
def test_vendor_primary_with_vendor_second_reader_records_every_call(vendors, sim, specimen):
    attempts.set_sink(None)
    vendors.OCR_VENDOR_ROUTES = {"passport": "g42,,huawei_text"}
    spec = specimen(K.PASSPORT)
    result = services.read_document(ReadRequest(K.PASSPORT, spec.image, "image/png"), subject_ref="document:7")
    assert result.primary.provider == "g42" and result.primary.value("surname") == spec.truth.fields["surname"]
    assert result.second.provider == "huawei_text" and result.second.mrz_lines == tuple(spec.truth.mrz_lines)
    rows = list(OcrAttempt.objects.order_by("id").values_list("vendor", "endpoint", "outcome", "subject_ref"))
    assert rows == [("g42", "ocr/passport", "success", "document:7"),
                    ("huawei", "ocr/general-text", "success", "document:7")]


@pytest.mark.django_db
def test_configuration_error_on_the_primary_falls_back(vendors, sim, specimen):
    attempts.set_sink(None)
    sim.config.unsubscribed = {"passport"}
    vendors.OCR_VENDOR_ROUTES = {"passport": "g42,ctyun_text,"}
    spec = specimen(K.PASSPORT)
    result = services.read_document(ReadRequest(K.PASSPORT, spec.image, "image/png"), subject_ref="document:8")
    assert result.primary.provider == "ctyun_text" and result.primary.mrz_lines == tuple(spec.truth.mrz_lines)
    outcomes = list(OcrAttempt.objects.order_by("id").values_list("vendor", "outcome", "error_code"))
    assert outcomes == [("g42", "configuration", "ModelArts.4204"), ("ctyun_text", "success", "")]


@pytest.mark.django_db
def test_transient_error_is_not_hidden_by_the_fallback(vendors, sim, specimen):
    attempts.set_sink(None)
    sim.inject("5xx")
    vendors.OCR_VENDOR_ROUTES = {"passport": "g42,ctyun_text,"}
    with pytest.raises(OcrError) as caught:
        services.read_document(ReadRequest(K.PASSPORT, specimen(K.PASSPORT).image, "image/png"), subject_ref="d")
    assert caught.value.error_class == ErrorClass.TRANSIENT
    assert OcrAttempt.objects.get().outcome == "transient"


@pytest.mark.django_db
def test_accounts_can_come_from_the_admin(vendors, sim, specimen):
    vendors.OCR_VENDOR_ACCOUNTS = "database"
    vendors.OCR_VENDORS = {}
    VendorAccount.objects.create(name="g42", vendor="g42", region="ae-ad-1", endpoint=sim.url, project_id=PROJECT_ID,
                                 auth_scheme="aksk", qps=10, credential_access_key=HUAWEI_AK,
                                 credential_secret_key=HUAWEI_SK)
    VendorAccount.objects.create(name="ctyun", vendor="ctyun", endpoint=sim.url, auth_scheme="eop", qps=5,
                                 credential_access_key=CTYUN_AK, credential_secret_key=CTYUN_SK,
                                 credential_app_key=CTYUN_APPKEY)
    spec = specimen(K.CN_ID_EMBLEM)
    assert ctyun_provider().read(ReadRequest(K.CN_ID_EMBLEM, spec.image, "image/png")).value("validity_period")
    assert g42_provider().read(ReadRequest(K.PASSPORT, specimen(K.PASSPORT).image, "image/png")).value("surname")
    VendorAccount.objects.filter(name="g42").update(enabled=False)
    with pytest.raises(OcrError) as caught:
        g42_provider()
    assert caught.value.error_class == ErrorClass.CONFIGURATION


def _read_g42(image):
    return g42_provider().read(ReadRequest(K.PASSPORT, image, "image/png"))


def _read_ctyun(image):
    return ctyun_provider().read(ReadRequest(K.PASSPORT, image, "image/png"))


@pytest.mark.parametrize("read,fault", [(_read_g42, "wrong_shape"), (_read_ctyun, "wrong_shape"),
                                        (_read_ctyun, "wrong_item_shape")])  # CTyun: envelope right, one image not
def test_an_undocumented_shape_is_a_clear_unknown_error_and_a_failed_attempt(vendors, sim, specimen, read, fault,
                                                                             recorded):
    sim.inject(fault)
    with pytest.raises(OcrError) as caught:
        read(specimen(K.PASSPORT).image)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.UNKNOWN, "unexpected_response")
    assert caught.value.vendor_message  # says which part of the answer was wrong
    # An HTTP 200 in the wrong shape counts against the vendor, not as a success.
    assert [(a.outcome, a.error_code, a.http_status) for a in recorded] == [("unknown", "unexpected_response", 200)]


@pytest.mark.django_db
def test_the_embedded_engine_is_counted_as_a_reader_with_its_latency(vendors, sim, specimen):
    from kyc.selectors.metrics import vendor_figures

    attempts.set_sink(None)
    vendors.OCR_VENDOR_ROUTES = {"passport": "g42,,local"}
    spec = specimen(K.PASSPORT)
    result = services.read_document(ReadRequest(K.PASSPORT, spec.image, "image/png"), subject_ref="document:9")
    assert result.second.provider == "local"
    rows = list(OcrAttempt.objects.order_by("id").values_list("vendor", "endpoint", "outcome", "subject_ref"))
    assert rows == [("g42", "ocr/passport", "success", "document:9"), ("local", "engine/read", "success", "document:9")]
    engine = {f.vendor: f for f in vendor_figures(since=OcrAttempt.objects.earliest("created_at").created_at)}["local"]
    assert engine.attempts == 1 and engine.errors == 0
    assert engine.max_ms == OcrAttempt.objects.get(vendor="local").duration_ms > 0
