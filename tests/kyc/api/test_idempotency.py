"""``Idempotency-Key``: a retried POST gets the first answer and does the work once."""

from __future__ import annotations

import pytest

from kyc.api.models import IdempotencyRecord
from kyc.models import Case, Document
from tests.kyc.api.helpers import CASE, create_case, error_code, image_file, upload

pytestmark = pytest.mark.django_db


def test_a_retried_create_returns_the_same_case_once(api):
    first = api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    again = api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_the_same_key_for_another_request_is_refused(api):
    api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = api.post("/api/v1/cases/", {**CASE, "email": "other@example.test"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422 and error_code(response) == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_keys_are_per_integrator(api, other_api):
    api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = other_api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Case.objects.count() == 2


def test_a_refusal_is_replayed_too(api):
    bad = {**CASE, "email": "nope"}
    first = api.post("/api/v1/cases/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    again = api.post("/api/v1/cases/", bad, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()


def test_a_retried_upload_stores_one_document(api):
    case = create_case(api)
    content = image_file().read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    responses = [
        upload(api, case["id"], "passport", SimpleUploadedFile("p.png", content), HTTP_IDEMPOTENCY_KEY="up-1")
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Document.objects.filter(case_id=case["id"]).count() == 1
    # A different file under the same key is another request.
    other = upload(api, case["id"], "passport", image_file(), HTTP_IDEMPOTENCY_KEY="up-1")
    assert other.status_code == 422


def test_a_key_still_in_progress_answers_409(api, integrator):
    IdempotencyRecord.objects.create(
        integrator=integrator, key="busy", method="POST", path="/api/v1/cases/", request_fingerprint="x"
    )
    from django.http import QueryDict

    from kyc.api.services import request_fingerprint

    fingerprint = request_fingerprint(method="POST", path="/api/v1/cases/", data=CASE, files=QueryDict())
    IdempotencyRecord.objects.filter(key="busy").update(request_fingerprint=fingerprint)
    response = api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409 and error_code(response) == "idempotency_in_progress"
    assert Case.objects.count() == 0


def test_an_invalid_key_is_refused(api):
    response = api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400 and error_code(response) == "invalid_idempotency_key"


def test_erasure_leaves_no_idempotency_answer_and_a_replay_is_told_the_case_is_erased(api):
    from kyc.core.audit import Actor
    from kyc.services.retention import applicant_erase

    body = {**CASE, "declared_full_name": "Marker Person", "email": "marker@example.test",
            "declared_birth_date": "1990-01-01"}
    created = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-erased")
    assert created.status_code == 201 and created.json()["applicant"]["declared_full_name"] == "Marker Person"
    case = Case.objects.get(id=created.json()["id"])
    applicant_erase(applicant_id=case.applicant_id, actor=Actor.system("test"))

    for record in IdempotencyRecord.objects.all():  # the creating POST's record too (its path names no case)
        assert "Marker" not in str(record.response_body) and "marker@" not in str(record.response_body)
        assert record.request_fingerprint == ""
    again = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="create-erased")
    assert again.status_code == 410 and error_code(again) == "case_erased"
    assert "Marker" not in again.content.decode() and "1990-01-01" not in again.content.decode()
    assert Case.objects.count() == 1  # the replay created no second case


def test_the_retention_run_deletes_expired_idempotency_records(api, settings):
    from datetime import timedelta

    from django.utils import timezone

    from kyc.services.retention import purge_expired_personal_data

    api.post("/api/v1/cases/", CASE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    api.post("/api/v1/cases/", {**CASE, "email": "b@example.test"}, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS, minutes=1)
    )
    purge_expired_personal_data()
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
