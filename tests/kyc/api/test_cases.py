"""Every case endpoint of the integrators' API, its answers and its errors."""

from __future__ import annotations

import pytest

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.domain.workflow import CaseState
from kyc.models import Case, Document
from kyc.services.cases import case_transition
from kyc.tasks import read_document
from tests.kyc.api.helpers import CASE, create_case, error_code, image_file, upload

pytestmark = pytest.mark.django_db


def test_create_case_returns_the_case_and_records_consent(api, integrator):
    response = api.post("/api/v1/cases/", {**CASE, "external_reference": "cust-42", "language": "ar",
                                           "declared_full_name": "Alex Tester", "declared_birth_date": "1990-01-01"},
                        format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "draft" and body["reference"].startswith("K-")
    assert body["external_reference"] == "cust-42"
    assert body["applicant"] == {"email": "applicant@example.test", "declared_full_name": "Alex Tester",
                                 "declared_birth_date": "1990-01-01", "language": "ar"}
    assert body["consents"] == ["processing"]
    assert body["missing_kinds"] == ["passport"]
    assert response["Location"] == f"/api/v1/cases/{body['id']}/"
    event = AuditEvent.objects.get(case_id=body["id"], action="case.created")
    assert event.actor_kind == "integrator" and event.actor_id == str(integrator.id)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"document_type": "driving_licence"}, "document_type"),
        ({"issuing_country": "UK"}, "issuing_country"),
        ({"declared_birth_date": "31/01/1990"}, "declared_birth_date"),
        ({"language": "fr"}, "language"),
        ({"consents": ["marketing"]}, "consents"),
    ],
)
def test_create_case_refuses_invalid_fields_with_field_errors(api, payload, field):
    response = api.post("/api/v1/cases/", {**CASE, **payload}, format="json")
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert field in response.json()["error"]["fields"]
    assert Case.objects.count() == 0


def test_create_case_refuses_a_missing_field_and_a_future_birth_date(api):
    response = api.post("/api/v1/cases/", {"document_type": "passport", "consents": ["processing"]}, format="json")
    assert response.status_code == 400 and "email" in response.json()["error"]["fields"]
    response = api.post("/api/v1/cases/", {**CASE, "declared_birth_date": "2999-01-01"}, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_failed"
    assert "future" in response.json()["error"]["message"]
    assert Case.objects.count() == 0


def test_create_case_needs_consent_to_processing(api):
    response = api.post("/api/v1/cases/", {**CASE, "consents": []}, format="json")
    assert response.status_code == 400 and error_code(response) == "consent_required"
    assert Case.objects.count() == 0


def test_malformed_json_and_wrong_media_type_get_error_bodies(api):
    response = api.generic("POST", "/api/v1/cases/", "{not json", content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "malformed_request"
    response = api.generic("POST", "/api/v1/cases/", "email=a", content_type="text/plain")
    assert response.status_code == 415 and error_code(response) == "unsupported_media_type"


def test_upload_each_side_then_submit(api, django_capture_on_commit_callbacks):
    case = create_case(api, document_type="emirates_id")
    front = upload(api, case["id"], "emirates_id", side="front")
    assert front.status_code == 201, front.json()
    assert front.json()["kind"] == "emirates_id_front" and front.json()["read_state"] == "pending"
    back = upload(api, case["id"], "emirates_id_back")
    assert back.status_code == 201
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert response.status_code == 200
    assert response.json()["state"] == "submitted" and response.json()["missing_kinds"] == []
    assert len(callbacks) == 2  # one OCR read per side, queued on commit


def test_case_detail_shows_documents_readings_findings_and_decision(api, scripted_ocr, django_capture_on_commit_callbacks):
    case = create_case(api)
    upload(api, case["id"], "passport")
    with django_capture_on_commit_callbacks(execute=False):
        api.post(f"/api/v1/cases/{case['id']}/submit/")
    document = Document.objects.get(case_id=case["id"])
    read_document.apply(args=[str(document.id)], task_id="api-read")
    body = api.get(f"/api/v1/cases/{case['id']}/").json()
    assert body["state"] == "ready_for_review"
    [doc] = body["documents"]
    assert doc["read_state"] == "read"
    assert doc["readings"][0]["fields"]["document_number"]["value"] == "X1234567"
    assert body["findings"] and {"code", "outcome", "message"} <= set(body["findings"][0])
    assert body["decision"] is None


def test_upload_errors_are_clear_and_store_nothing(api):
    case = create_case(api)
    cases = f"/api/v1/cases/{case['id']}/documents/"
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = {
        "pdf_not_supported": SimpleUploadedFile("scan.jpg", b"%PDF-1.7\n%%EOF\n", content_type="image/jpeg"),
        "unsupported_type": SimpleUploadedFile("photo.png", b"hello, not an image at all", content_type="image/png"),
        "empty_file": SimpleUploadedFile("empty.png", b"", content_type="image/png"),
        "image_too_small": image_file(size=(120, 90)),
    }
    for code, file in refused.items():
        response = api.post(cases, {"kind": "passport", "file": file}, format="multipart")
        assert response.status_code == 400, code
        assert error_code(response) == code
    response = api.post(cases, {"kind": "passport"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    response = api.post(cases, {"kind": "bank_statement", "file": image_file()}, format="multipart")
    assert response.status_code == 400 and "kind" in response.json()["error"]["fields"]
    response = upload(api, case["id"], "emirates_id_front")
    assert response.status_code == 400 and "does not belong" in response.json()["error"]["message"]
    assert Document.objects.filter(case_id=case["id"]).count() == 0


def test_the_same_image_twice_is_refused(api):
    case = create_case(api, document_type="emirates_id")
    file_bytes = image_file().read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    first = upload(api, case["id"], "emirates_id_front", SimpleUploadedFile("a.png", file_bytes))
    assert first.status_code == 201
    second = upload(api, case["id"], "emirates_id_back", SimpleUploadedFile("b.png", file_bytes))
    assert second.status_code == 400 and error_code(second) == "duplicate_image"
    assert Document.objects.filter(case_id=case["id"]).count() == 1


def test_chinese_id_needs_separate_consent_before_upload(api):
    case = create_case(api, document_type="cn_resident_id")
    refused = upload(api, case["id"], "cn_resident_id", side="portrait")
    assert refused.status_code == 400 and error_code(refused) == "consent_required"
    response = api.post(f"/api/v1/cases/{case['id']}/consents/", {"scope": "sensitive_personal_information"}, format="json")
    assert response.status_code == 200
    assert response.json()["consents"] == ["processing", "sensitive_personal_information"]
    assert upload(api, case["id"], "cn_resident_id", side="portrait").status_code == 201
    response = api.post(f"/api/v1/cases/{case['id']}/consents/", {"scope": "everything"}, format="json")
    assert response.status_code == 400 and "scope" in response.json()["error"]["fields"]


def test_submit_errors(api, django_capture_on_commit_callbacks):
    case = create_case(api, document_type="emirates_id")
    upload(api, case["id"], "emirates_id_front")
    response = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert response.status_code == 400 and "Missing: Emirates ID, back" in response.json()["error"]["message"]
    upload(api, case["id"], "emirates_id_back")
    with django_capture_on_commit_callbacks(execute=False):
        assert api.post(f"/api/v1/cases/{case['id']}/submit/").status_code == 200
    again = api.post(f"/api/v1/cases/{case['id']}/submit/")
    assert again.status_code == 409 and error_code(again) == "illegal_state"
    late = upload(api, case["id"], "emirates_id_back")
    assert late.status_code == 409 and error_code(late) == "illegal_state"


def test_resubmission_replaces_only_the_requested_side(api, django_capture_on_commit_callbacks):
    case = create_case(api, document_type="emirates_id")
    upload(api, case["id"], "emirates_id_front")
    upload(api, case["id"], "emirates_id_back")
    with django_capture_on_commit_callbacks(execute=False):
        api.post(f"/api/v1/cases/{case['id']}/submit/")
    request_new_image(case["id"], "emirates_id_back", "The back side is too blurry.")
    body = api.get(f"/api/v1/cases/{case['id']}/").json()
    assert body["state"] == "resubmission_requested"
    assert body["state_reason"] == "The back side is too blurry."
    assert body["missing_kinds"] == ["emirates_id_back"]
    assert upload(api, case["id"], "emirates_id_back").status_code == 201
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert api.post(f"/api/v1/cases/{case['id']}/submit/").status_code == 200
    assert len(callbacks) == 1  # only the new side is read again


def request_new_image(case_id, kind: str, reason: str) -> None:
    """What a reviewer's 'ask for resubmission' does to the case (through the audited services)."""
    from django.db import transaction

    with transaction.atomic():
        case = Case.objects.select_for_update().get(id=case_id)
        system = Actor.system("test")
        for target in (CaseState.PROCESSING, CaseState.READY_FOR_REVIEW):
            case_transition(case=case, target=target, actor=system)
        case_transition(case=case, target=CaseState.RESUBMISSION_REQUESTED, actor=system, reason=reason)
        Document.objects.filter(case=case, is_current=True).update(read_state="read")
        Document.objects.filter(case=case, kind=kind, is_current=True).update(is_current=False)


def test_list_filters_and_paginates_own_cases(api, other_api, django_capture_on_commit_callbacks):
    passport = create_case(api, external_reference="p-1")
    emirates = create_case(api, document_type="emirates_id")
    create_case(other_api)
    upload(api, passport["id"], "passport")
    with django_capture_on_commit_callbacks(execute=False):
        api.post(f"/api/v1/cases/{passport['id']}/submit/")

    body = api.get("/api/v1/cases/").json()
    assert body["count"] == 2
    assert {c["id"] for c in body["results"]} == {passport["id"], emirates["id"]}
    assert [c["id"] for c in api.get("/api/v1/cases/?state=submitted").json()["results"]] == [passport["id"]]
    assert api.get("/api/v1/cases/?state=draft,submitted").json()["count"] == 2
    assert [c["id"] for c in api.get("/api/v1/cases/?document_type=emirates_id").json()["results"]] == [emirates["id"]]
    assert [c["id"] for c in api.get("/api/v1/cases/?external_reference=p-1").json()["results"]] == [passport["id"]]
    reference = emirates["reference"].lower()
    assert [c["id"] for c in api.get(f"/api/v1/cases/?reference={reference}").json()["results"]] == [emirates["id"]]
    assert api.get("/api/v1/cases/?created_after=2999-01-01T00:00:00Z").json()["count"] == 0
    assert api.get("/api/v1/cases/?created_before=2999-01-01").json()["count"] == 2
    page = api.get("/api/v1/cases/?limit=1").json()
    assert len(page["results"]) == 1 and page["next"]
    assert page["results"][0]["documents"] == [] or page["results"][0]["documents"][0]["kind"] == "passport"
    for bad in ("state=lost", "document_type=visa", "created_after=yesterday"):
        response = api.get(f"/api/v1/cases/?{bad}")
        assert response.status_code == 400 and error_code(response) == "invalid_request"


def test_unknown_case_and_unknown_endpoint_are_404_with_error_bodies(api):
    response = api.get("/api/v1/cases/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and error_code(response) == "not_found"
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and error_code(response) == "not_found"
    response = api.delete("/api/v1/cases/")
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"


def test_an_oversized_upload_is_cut_off_and_refused(api, settings):
    # A body with no trustworthy Content-Length (chunked) passes the front check of
    # kyc.project.middleware; the upload handler still stops the file as soon as it is too big.
    settings.UPLOAD_MAX_BYTES = 4096
    settings.REQUEST_BODY_OVERHEAD_BYTES = 10 * 1024 * 1024
    case = create_case(api)
    from django.core.files.uploadedfile import SimpleUploadedFile

    huge = SimpleUploadedFile("huge.png", image_file().read() + b"\0" * 300_000, content_type="image/png")
    response = api.post(f"/api/v1/cases/{case['id']}/documents/", {"kind": "passport", "file": huge}, format="multipart")
    assert response.status_code == 400 and error_code(response) == "file_too_large"
    assert Document.objects.filter(case_id=case["id"]).count() == 0


def test_the_latest_decision_in_force_is_shown(api, reviewer, django_capture_on_commit_callbacks):
    from kyc.models import Decision

    case = create_case(api)
    upload(api, case["id"], "passport")
    with django_capture_on_commit_callbacks(execute=False):
        api.post(f"/api/v1/cases/{case['id']}/submit/")
    Decision.objects.create(case_id=case["id"], reviewer=reviewer, outcome="reject", reason_codes=["expired"],
                            note="The passport has expired.")
    decision = api.get(f"/api/v1/cases/{case['id']}/").json()["decision"]
    assert decision["outcome"] == "reject" and decision["reason_codes"] == ["expired"]
    assert decision["note"] == "The passport has expired."
    assert "reviewer" not in decision  # staff identities stay inside
