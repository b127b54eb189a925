"""The embedded engine as an independent second reader beside a vendor: agreement and disagreement
on a check-protected field both reach the reviewer as findings."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.core.audit import Actor
from kyc.models import CheckFinding, DocumentReading
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from kyc.tasks import read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration.specimens import generate_specimen

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def read_passport_with(settings, primary: str, django_capture_on_commit_callbacks):
    settings.OCR_ROUTING = {"passport": {"primary": primary, "fallback": None, "second_reader": "local"}}
    specimen = generate_specimen("passport", 4242)
    case = case_create(actor=Actor.applicant(""), email="s@example.test", document_type="passport")
    document_attach(
        case_id=case.id, kind="passport", prepared=prepare_upload(SimpleUploadedFile("p.png", specimen.image)),
        actor=Actor.applicant(case.applicant_id),
    )
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    read_document.apply(args=[str(case.documents.get().id)], task_id=f"second-{primary}")
    case.refresh_from_db()
    return case, specimen


def test_second_reader_agrees_with_a_correct_vendor(settings, django_capture_on_commit_callbacks):
    case, specimen = read_passport_with(
        settings, "tests.support.providers:SpecimenAnswerProvider", django_capture_on_commit_callbacks
    )
    assert case.state == "ready_for_review"
    second = DocumentReading.objects.get(document__case=case, role="second")
    assert second.provider == "local"
    assert second.fields["document_number"]["value"] == specimen.truth.fields["document_number"]
    codes = dict(CheckFinding.objects.filter(case=case, check_run=case.check_run).values_list("code", "outcome"))
    assert codes.get("READERS_AGREE") == "pass"
    assert "READERS_DISAGREE" not in codes


def test_a_vendor_misread_is_caught_by_the_second_reader(settings, django_capture_on_commit_callbacks):
    case, specimen = read_passport_with(
        settings, "tests.support.providers:MisreadingSpecimenProvider", django_capture_on_commit_callbacks
    )
    disagreement = CheckFinding.objects.get(case=case, check_run=case.check_run, code="READERS_DISAGREE")
    assert disagreement.outcome in ("warn", "fail")
    compared = {(c.get("provider"), c.get("value")) for c in disagreement.evidence["compared"]}
    assert ("misreading-vendor", "ZZ9999999") in compared
    assert ("local", specimen.truth.fields["document_number"]) in compared
