from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.providers import GREEN, colour_image

CASE = {"email": "applicant@example.test", "document_type": "passport", "consents": ["processing"]}


def image_file(colour=GREEN, size=(640, 420), fmt="PNG", name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, colour_image(colour, size=size, fmt=fmt), content_type="image/png")


def create_case(api, **overrides) -> dict:
    response = api.post("/api/v1/cases/", {**CASE, **overrides}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def upload(api, case_id, kind, file=None, side="", **headers):
    data = {"kind": kind, "file": file or image_file()}
    if side:
        data["side"] = side
    return api.post(f"/api/v1/cases/{case_id}/documents/", data, format="multipart", **headers)


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]
