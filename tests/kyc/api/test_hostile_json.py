"""No 500 from what an integrator sends (issue 17, point 11): an oversized JSON body is a 413, a
too-deeply nested one a 400, a NUL byte in a filter a 400, all in the documented envelope."""

import json

import pytest

from kyc.models import Case
from tests.kyc.api.helpers import CASE, error_code

pytestmark = pytest.mark.django_db


def post_json(api, body: bytes, **extra):
    return api.generic("POST", "/api/v1/cases/", body, content_type="application/json", **extra)


def test_a_json_body_over_the_limit_is_a_413_in_the_envelope(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({**CASE, "declared_full_name": "A" * (100 * 1024)}).encode()
    response = post_json(api, body)
    assert response.status_code == 413
    assert error_code(response) == "request_too_large"
    assert "64 kB" in response.json()["error"]["message"]
    assert not Case.objects.exists()


def test_a_declared_length_over_the_upload_limit_is_a_413_in_the_envelope(api, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    response = post_json(api, b"{}", CONTENT_LENGTH=str(8 * 1024 * 1024))
    assert response.status_code == 413
    assert error_code(response) == "request_too_large"


@pytest.mark.parametrize("depth", [40, 100_000])
def test_json_nested_too_deep_is_a_400(api, depth):
    nested = "[" * depth + "]" * depth
    body = json.dumps(CASE)[:-1] + f', "consents_extra": {nested}}}'
    response = post_json(api, body.encode())
    assert response.status_code == 400
    assert error_code(response) == "nesting_too_deep"
    assert not Case.objects.exists()


def test_ordinary_nesting_is_read(api):
    response = post_json(api, json.dumps(CASE).encode())
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("parameter", [
    "reference", "external_reference", "state", "document_type", "created_after", "limit", "unknown_filter",
])
def test_a_nul_byte_in_any_filter_is_a_400(api, parameter):
    response = api.get(f"/api/v1/cases/?{parameter}=abc%00def")
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert parameter in response.json()["error"]["message"]


def test_a_nul_byte_in_a_staff_page_filter_is_a_400_not_a_server_error(db):
    from tests.support.personas import client_for, staff_member

    client = client_for(staff_member("reviewer", username="rita"))
    response = client.get("/review/?q=abc%00def")
    assert response.status_code == 400
