"""``manage.py vendor_check <account>`` against the simulator: one signed request per API, what came
back reported by name and shape, no value printed, no image stored."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.models import OcrAttempt


def run(name):
    out = io.StringIO()
    call_command("vendor_check", name, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_g42_every_listed_api_once(vendors, sim, specimen, tmp_path):
    from ocr_integration.vendors import attempts

    attempts.set_sink(None)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    report = run("g42")
    for api in ("ocr/passport", "ocr/emirates-id-card front", "ocr/emirates-id-card back", "ocr/bankcard"):
        assert f"g42 {api}" in report and "success" in report.split(f"g42 {api}")[1].splitlines()[0]
    assert "id-document" not in report and "general-text" not in report
    assert "side asked front, answered 'front'" in report
    assert "g42: 4 APIs answered as documented." in report
    assert sim.stats["huawei:passport"] == 1 and sim.stats["huawei:emirates-id-card"] == 2
    # Names and shapes only: no value read from the specimens, nothing written anywhere.
    for kind, field in ((K.PASSPORT, "surname"), (K.EMIRATES_ID_FRONT, "id_number"), (K.BANK_CARD, "cardholder_name")):
        assert specimen(kind).truth.fields[field] not in report
    stored = json.dumps(list(OcrAttempt.objects.values()), default=str)
    assert specimen(K.PASSPORT).truth.fields["surname"] not in stored
    assert set(OcrAttempt.objects.values_list("subject_ref", flat=True)) == {"vendor_check"}
    assert sorted(p.name for p in tmp_path.rglob("*") if "coordination" not in str(p)) == [
        n for n in before if "coordination" not in n]


@pytest.mark.django_db
def test_ctyun_reports_the_answer_shapes(vendors, sim):
    sim.config.answer_forms = frozenset({"ctyun_detail_as_string"})
    report = run("ctyun")
    assert "detail as string" in report and "note 'back'" in report and "note 'front'" in report
    assert "ctyun: 3 APIs answered as documented." in report


@pytest.mark.django_db
def test_a_wrong_clock_zone_is_reported_with_a_hint_and_fails(vendors, sim):
    sim.config.ctyun_clock_zone = "UTC"  # the account signs Beijing time, this gateway reads UTC
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("vendor_check", "ctyun", stdout=out)
    assert "3 of 3 APIs" in str(caught.value)
    assert "code 10020" in out.getvalue() and "clock_zone (eop-date)" in out.getvalue()


@pytest.mark.django_db
def test_a_refused_configuration_sends_nothing(vendors, sim):
    vendors.OCR_VENDORS["g42"]["passport_api"] = "auto"
    with pytest.raises(CommandError) as caught:
        run("g42")
    assert "no request was sent" in str(caught.value) and sim.stats["requests"] == 0
