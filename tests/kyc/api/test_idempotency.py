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
