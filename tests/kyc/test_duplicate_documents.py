"""The same identity document behind several cases reaches the reviewer as DUPLICATE_DOCUMENT,
found through keyed digests only, and forgotten with an erased case."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyc.core.audit import Actor
from kyc.models import CaseSearchDigest, CheckFinding
from kyc.services.cases import case_create, case_submit
from kyc.services.documents import document_attach
from kyc.services.retention import case_purge_personal_data
from kyc.tasks import read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration.specimens import generate_specimen
from tests.support.personas import staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def specimen_vendor(settings):
    settings.OCR_DEFAULT_PROVIDER = "tests.support.providers:SpecimenAnswerProvider"
    settings.OCR_ROUTING = {}


def checked_case(django_capture_on_commit_callbacks, document_type: str, images: dict[str, bytes]):
    case = case_create(actor=Actor.applicant(""), email="dup@example.test", document_type=document_type)
    for kind, image in images.items():
        document_attach(case_id=case.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile(f"{kind}.png", image)),
                        actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    for document in case.documents.all():
        read_document.apply(args=[str(document.id)], task_id=f"dup-{document.id}")
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    return case


def duplicate_finding(case):
    return CheckFinding.objects.get(case=case, check_run=case.check_run, code="DUPLICATE_DOCUMENT")


def test_the_second_case_with_the_same_passport_links_the_first(django_capture_on_commit_callbacks):
    passport = generate_specimen("passport", 77).image
    first = checked_case(django_capture_on_commit_callbacks, "passport", {"passport": passport})
    assert duplicate_finding(first).outcome == "pass"
    other_passport = checked_case(django_capture_on_commit_callbacks, "passport",
                                  {"passport": generate_specimen("passport", 78).image})
    assert duplicate_finding(other_passport).outcome == "pass"

    second = checked_case(django_capture_on_commit_callbacks, "passport", {"passport": passport})
    finding = duplicate_finding(second)
    assert finding.outcome == "warn" and first.reference in finding.message
    assert [o["reference"] for o in finding.evidence["other_cases"]] == [first.reference]
    # Only digests are stored: the number is nowhere in the index table.
    number = generate_specimen("passport", 77).truth.fields["document_number"]
    assert not CaseSearchDigest.objects.filter(digest__icontains=number).exists()

    reviewer = staff_member(username="dup-reviewer", permissions=["kyc.review_case"])
    client = Client()
    client.force_login(reviewer)
    page = client.get(f"/review/cases/{second.id}/").content.decode()
    assert f'href="/review/cases/{first.id}/"' in page and f'data-other-case="{first.reference}"' in page


def test_an_emirates_id_matches_by_its_holders_number(django_capture_on_commit_callbacks):
    sides = {"emirates_id_front": generate_specimen("emirates_id_front", 31).image,
             "emirates_id_back": generate_specimen("emirates_id_back", 31).image}
    first = checked_case(django_capture_on_commit_callbacks, "emirates_id", sides)
    second = checked_case(django_capture_on_commit_callbacks, "emirates_id", sides)
    assert duplicate_finding(first).outcome == "pass"
    assert duplicate_finding(second).evidence["other_cases"][0]["reference"] == first.reference


def test_an_erased_case_is_no_longer_found(django_capture_on_commit_callbacks):
    passport = generate_specimen("passport", 91).image
    first = checked_case(django_capture_on_commit_callbacks, "passport", {"passport": passport})
    with django_capture_on_commit_callbacks(execute=True):
        case_purge_personal_data(case_id=first.id, actor=Actor.system("test"), reason="retention")
    assert not CaseSearchDigest.objects.filter(case=first).exists()
    later = checked_case(django_capture_on_commit_callbacks, "passport", {"passport": passport})
    assert duplicate_finding(later).outcome == "pass"
