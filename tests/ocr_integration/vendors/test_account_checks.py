"""Configurations the vendors' documents rule out are refused at start-up (system check), in the
admin, and by the client before any call: id-document and token auth on G42, a bad CTyun clock."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.models import VendorAccount
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest
from ocr_integration.simulator.server import G42_NOT_OFFERED
from ocr_integration.vendors.checks import system_check
from ocr_integration.vendors.huawei.client import HuaweiOcrClient, account_from_settings
from tests.support.personas import staff_member


def read(name, kind, image, country=None):
    return HuaweiOcrClient(account_from_settings(name)).read(ReadRequest(kind, image, "image/png", country))


@pytest.fixture
def g42_sim(sim):
    sim.config.not_offered = set(G42_NOT_OFFERED)
    return sim


def test_g42_passport_api_auto_is_refused_before_any_call(vendors, g42_sim, specimen):
    vendors.OCR_VENDORS["g42"]["passport_api"] = "auto"
    with pytest.raises(OcrError) as caught:
        read("g42", K.PASSPORT, specimen(K.PASSPORT).image, country="ALB")
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.CONFIGURATION, "refused_configuration")
    assert "id-document" in caught.value.message
    assert g42_sim.stats["requests"] == 0


def test_g42_id_document_is_never_called(vendors, g42_sim, specimen):
    client = HuaweiOcrClient(account_from_settings("g42"))
    with pytest.raises(OcrError) as caught:
        client.id_document(specimen(K.PASSPORT).image, kind=K.PASSPORT, country_region="ALB", id_type="PP")
    assert caught.value.error_class == ErrorClass.CONFIGURATION and g42_sim.stats["requests"] == 0


def test_the_g42_simulator_does_not_offer_id_document(vendors, g42_sim, specimen):
    # A Huawei-stack account pointed at a G42 endpoint anyway gets the gateway's "no such API".
    vendors.OCR_VENDORS["huawei"]["passport_api"] = "auto"
    with pytest.raises(OcrError) as caught:
        read("huawei", K.PASSPORT, specimen(K.PASSPORT).image, country="ALB")
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.CONFIGURATION, "APIG.0101")


def test_huawei_keeps_auto_which_still_reads_through_id_document(vendors, sim, specimen, recorded):
    spec = specimen(K.PASSPORT)
    assert read("huawei", K.PASSPORT, spec.image, country="ALB").value("document_code") == "P"
    assert [a.endpoint for a in recorded] == ["ocr/id-document"]


def test_g42_token_auth_is_refused_before_any_call(vendors, sim, specimen):
    vendors.OCR_VENDORS["g42"]["auth_scheme"] = "token"
    with pytest.raises(OcrError) as caught:
        read("g42", K.PASSPORT, specimen(K.PASSPORT).image)
    assert caught.value.code == "refused_configuration" and "token" in caught.value.message
    assert sim.stats["requests"] == 0


@pytest.mark.parametrize("account,change,check_id", [
    ("g42", {"passport_api": "auto"}, "ocr_vendors.g42_id_document"),
    ("g42", {"auth_scheme": "token"}, "ocr_vendors.g42_token_auth"),
    ("ctyun", {"clock_zone": "Beijing"}, "ocr_vendors.clock_zone"),
])
def test_start_up_refuses_what_the_documents_rule_out(vendors, account, change, check_id):
    vendors.OCR_VENDORS[account].update(change)
    assert check_id in [m.id for m in system_check() if m.level >= 40]
    with pytest.raises(SystemCheckError) as caught:
        call_command("check")
    assert check_id in str(caught.value)


def test_start_up_warns_that_huawei_auto_uses_a_discontinued_api(vendors):
    found = {m.id: m for m in system_check()}
    assert found["ocr_vendors.id_document_discontinued"].level == 30
    assert "2025-02-18" in found["ocr_vendors.id_document_discontinued"].msg
    assert not [m for m in system_check() if m.level >= 40]


@pytest.mark.django_db
@pytest.mark.parametrize("change,field,words", [
    ({"passport_api": "auto"}, "passport_api", "id-document"),
    ({"auth_scheme": "token"}, "auth_scheme", "token-based"),
])
def test_the_admin_refuses_a_g42_account_the_documents_rule_out(change, field, words):
    user = staff_member("admin", username="ops-admin")
    client = Client()
    client.force_login(user)
    form = {"name": "g42", "vendor": "g42", "region": "ae-ad-1", "endpoint": "https://ocr.ae-ad-1.g42cloud.com",
            "iam_endpoint": "", "project_id": "proj", "project_name": "", "auth_scheme": "aksk", "qps": "5",
            "clock_zone": "Asia/Shanghai", "passport_api": "passport", "enabled": "on",
            "credential_access_key": "AK", "credential_secret_key": "SK", **change}
    response = client.post("/admin/ocr_integration/vendoraccount/add/", form)
    assert response.status_code == 200 and words in response.content.decode()
    assert not VendorAccount.objects.exists()
    form.update({"vendor": "huawei", "name": "huawei"})
    if field == "passport_api":  # a Huawei account may keep auto (discontinued, documented)
        assert client.post("/admin/ocr_integration/vendoraccount/add/", form).status_code == 302


def test_a_token_sent_to_an_endpoint_that_offers_aksk_only_is_a_configuration_error(vendors, sim, specimen):
    from ocr_integration.simulator.testing import vendor_settings

    vendors.OCR_VENDORS = vendor_settings(sim, auth="token")
    sim.config.token_auth_offered = False  # what G42's document says of OCR in its region
    with pytest.raises(OcrError) as caught:
        read("huawei", K.PASSPORT, specimen(K.PASSPORT).image)
    assert (caught.value.error_class, caught.value.code) == (ErrorClass.CONFIGURATION, "APIG.0301")
