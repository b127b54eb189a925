"""G42's bank card API reached from the product: a case that asks for a bank card, read over HTTP by
the simulator, checked, and masked everywhere (issue 16, point 9)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import CheckFinding, DocumentReading, SiteConfiguration
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from kyc.tasks import read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration.documents.kinds import DocumentKind as K

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_case_with_a_bank_card_read_by_g42(vendors, sim, specimen, recorded, django_capture_on_commit_callbacks):
    vendors.OCR_ROUTING = {"passport": {"primary": "g42", "fallback": None, "second_reader": None},
                           "bank_card": {"primary": "g42", "fallback": None, "second_reader": None}}
    SiteConfiguration.objects.update_or_create(id=1, defaults={"bank_card_passport": "required"})
    passport, card = specimen(K.PASSPORT, 21), specimen(K.BANK_CARD, 2)
    case = case_create(actor=Actor.applicant(""), email="g42@example.test", document_type="passport")
    for kind, spec in (("passport", passport), ("bank_card", card)):
        document_attach(case_id=case.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile(f"{kind}.png", spec.image)),
                        actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=True):
        for document in case.documents.all():
            read_document.apply(args=[str(document.id)], task_id=f"g42-{document.kind}")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    assert sim.stats["huawei:bankcard"] == 1
    assert ("g42", "ocr/bankcard", "success") in {(a.vendor, a.endpoint, a.outcome) for a in recorded}

    reading = DocumentReading.objects.get(document__case=case, document__kind="bank_card")
    assert reading.provider == "g42"
    assert reading.fields["card_number_masked"]["value"] == card.truth.fields["card_number_masked"]
    findings = dict(CheckFinding.objects.filter(case=case, check_run=case.check_run).values_list("code", "outcome"))
    assert findings["BANK_CARD_NUMBER"] == "pass" and findings["BANK_CARD_EXPIRY"] == "pass"
    assert findings["BANK_CARD_NAME"] in ("warn", "fail")  # the generated card is someone else's

    full_number = card.truth.extras["card_number"]
    kept = json.dumps(reading.fields) + json.dumps(reading.raw_response, default=str)
    trail = json.dumps(list(AuditEvent.objects.filter(case_id=case.id).values("data")), default=str)
    assert full_number not in kept.replace(" ", "") and full_number not in trail
    card_document = case.documents.get(kind="bank_card")
    assert card_document.card_number_masked_on_image is True
