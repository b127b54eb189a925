"""Fuzzing the integrators' API with schemathesis, against the API's own OpenAPI schema.

Every operation of ``/api/schema/`` gets generated requests, valid and invalid, sent in process to
the WSGI application on the test database with a real API key. No answer may be a 5xx, and every
answer must be one the schema documents: its status code, content type, headers and body.

Path parameters are pointed at real objects of the key's integrator (a draft case, a webhook
endpoint): random UUIDs would only ever meet the 404 branch. The run is bounded (at most
MAX_EXAMPLES generated requests per operation, about 20 s in all) and derandomised, so it is the
same run each time.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kyc.api.models import Integrator
from kyc.api.services import (
    api_key_create,
    integrator_actor,
    integrator_case_create,
    webhook_endpoint_create,
)
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload
from tests.conftest import upload

MAX_EXAMPLES = 100

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Not ``negative_data_rejection``: the API deliberately reads an empty filter (``?updated_after=``)
# as no filter, and DRF's limit/offset pagination reads an unparsable ``limit``/``offset`` as the
# default; both are lenient by design, not defects. Invalid bodies are refused with 400 (the
# status and error body conformance checks above see those answers).


@pytest.fixture
def fuzz_world(db, settings, tmp_path):
    # The fuzzer sends more requests a minute than the rate limits allow (they have their own tests
    # in tests/kyc/api); a cache of this test's own keeps counts from other tests and runs out.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": str(tmp_path)}}
    settings.API_RATE = settings.API_UPLOAD_RATE = "100000/minute"
    integrator = Integrator.objects.create(name="Fuzzing Bank")
    _key, raw_key = api_key_create(integrator=integrator, name="fuzz")
    case = integrator_case_create(
        integrator=integrator, email="fuzz.applicant@example.test", document_type="passport", consents=["processing"]
    )
    # Every side attached, so that a valid submit goes through (200) and the state checks are reached.
    document_attach(case_id=case.id, kind="passport", prepared=prepare_upload(upload()), actor=integrator_actor(integrator))
    endpoint = webhook_endpoint_create(integrator=integrator, url="https://hooks.example.test/kyc")
    # The WSGI handler closes the database connection after each request, which would close the
    # test's transaction; Django's own test client detaches the same receivers while it runs.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"key": raw_key, "case_id": str(case.id), "endpoint_id": str(endpoint.id)}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Loaded from the running application, so the test fuzzes exactly the schema integrators get.
# (Loaded at import: the schema view reads no database. ``schemathesis.pytest.from_fixture`` would
# defer it, but schemathesis 4.32 reads a private pytest attribute that pytest 9 removed.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
# The key is ours to send (a real one, below): the fuzzer generates everything else. Requests without
# a valid key are covered by tests/kyc/api/test_auth.py and the access matrix.
schema.config.generation.update(with_security_parameters=False)


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_every_generated_request_as_its_schema_says(case, fuzz_world):
    # A valid path is pointed at the integrator's own objects; a deliberately invalid one (negative
    # generation) is sent as generated, and must be refused.
    if case.path_parameters and not case.meta.is_negative_at(ParameterLocation.PATH):
        for name in ("case_id", "endpoint_id"):
            if name in case.path_parameters:
                case.path_parameters[name] = fuzz_world[name]
    case.call_and_validate(headers={"Authorization": f"Api-Key {fuzz_world['key']}"}, checks=CHECKS)


@pytest.mark.parametrize("method", ["get", "post", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint/", "/api/v1/cases/not%0Aa-uuid/documents/"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(fuzz_world, client, method, path):
    # Found by the fuzzer: a POST got Django's HTML CSRF page (403), a path with a newline the HTML 404.
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("0210-05-05T08:21:11.13-19:13", 200),  # found by the fuzzer: PostgreSQL refused the offset (500)
        ("2026-01-31T12:00:00+14:00", 200),
        ("2026-13-01T00:00:00Z", 400),  # well formed, impossible: was a ValueError (500)
        ("0001-01-01T00:00:00+01:00", 400),  # before year 1 in UTC: was an OverflowError (500)
    ],
)
def test_a_date_filter_is_read_or_refused_never_a_server_error(fuzz_world, client, value, status):
    response = client.get("/api/v1/cases/", {"created_after": value},
                          HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["error"]["code"] == "invalid_request"


HOSTILE_JSON = {
    # issue 17, point 11: each of these was a 500, or a 413 in a shape the docs did not name.
    "nested-100000": (b"[" * 100_000 + b"]" * 100_000, 400, "nesting_too_deep"),
    "nested-21-objects": (b'{"a":' * 21 + b"1" + b"}" * 21, 400, "nesting_too_deep"),
    "over-the-body-limit": (b'{"email": "' + b"a" * (3 * 1024 * 1024) + b'"}', 413, "request_too_large"),
    "nul-in-a-string": (b'{"email": "a\\u0000@example.test", "document_type": "passport", "url": "https://x\\u0000"}',
                        400, None),
    "not-json": (b"{'email': 1", 400, "malformed_request"),
}
JSON_POSTS = ["/api/v1/cases/", "/api/v1/cases/{case_id}/consents/", "/api/v1/webhooks/"]


@pytest.mark.parametrize("path", JSON_POSTS)
@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_hostile_json_bodies_are_refused_in_the_envelope(fuzz_world, client, path, name):
    body, status, code = HOSTILE_JSON[name]
    response = client.generic("POST", path.format(case_id=fuzz_world["case_id"]), body,
                              content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    assert response.status_code == status, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert error["message"] and (code is None or error["code"] == code), error


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_a_hostile_body_sent_where_none_is_read_is_never_a_server_error(fuzz_world, client, name):
    # Submitting reads no body: it is ignored (the submit goes through), unless it is too large to take.
    body, status, _code = HOSTILE_JSON[name]
    response = client.generic("POST", f"/api/v1/cases/{fuzz_world['case_id']}/submit/", body,
                              content_type="application/json", HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    assert response.status_code == (413 if status == 413 else 200), response.content[:300]


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/cases/{case_id}/", "/api/v1/webhooks/",
                                  "/api/v1/webhooks/{endpoint_id}/deliveries/"])
def test_a_nul_byte_in_any_query_parameter_is_a_400(fuzz_world, client, path):
    url = path.format(case_id=fuzz_world["case_id"], endpoint_id=fuzz_world["endpoint_id"])
    response = client.get(url + "?reference=K-%00&state=draft",
                          HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


# Issue 17.2: every way to replay an Idempotency-Key after the case was erased. None may return
# what the erased case held, none may create the case again, none may be a 5xx.
ERASED_NAME, ERASED_EMAIL, ERASED_BIRTH_DATE = "Erased Person", "erased.person@example.test", "1991-02-03"


@pytest.mark.parametrize(
    ("replay", "status"),
    [
        ("the same body", 410),
        ("another body", 410),
        ("an empty body", 410),
        ("the upload's key on the upload", 410),
        ("the submit's key on the submit", 410),
        ("the same key by another integrator", 201),
    ],
)
def test_an_idempotency_key_replayed_after_erasure_never_returns_the_erased_values(fuzz_world, replay, status):
    from rest_framework.test import APIClient

    from kyc.core.audit import Actor
    from kyc.models import Case
    from kyc.services.retention import applicant_erase
    from tests.kyc.api.helpers import image_file

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {fuzz_world['key']}")
    body = {"email": ERASED_EMAIL, "document_type": "passport", "consents": ["processing"],
            "declared_full_name": ERASED_NAME, "declared_birth_date": ERASED_BIRTH_DATE}
    created = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-create")
    case_id = created.json()["id"]
    upload_path, submit_path = f"/api/v1/cases/{case_id}/documents/", f"/api/v1/cases/{case_id}/submit/"
    api.post(upload_path, {"kind": "passport", "file": image_file()}, format="multipart", HTTP_IDEMPOTENCY_KEY="k-up")
    api.post(submit_path, HTTP_IDEMPOTENCY_KEY="k-submit")
    applicant_erase(applicant_id=Case.objects.get(id=case_id).applicant_id, actor=Actor.system("test"))
    cases_before = Case.objects.count()

    if replay == "the same body":
        response = api.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-create")
    elif replay == "another body":
        response = api.post("/api/v1/cases/", {**body, "email": "x@example.test"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="k-create")
    elif replay == "an empty body":
        response = api.post("/api/v1/cases/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-create")
    elif replay == "the upload's key on the upload":
        response = api.post(upload_path, {"kind": "passport", "file": image_file()}, format="multipart",
                            HTTP_IDEMPOTENCY_KEY="k-up")
    elif replay == "the submit's key on the submit":
        response = api.post(submit_path, HTTP_IDEMPOTENCY_KEY="k-submit")
    else:
        other = Integrator.objects.create(name="Other Bank")
        _key, other_raw_key = api_key_create(integrator=other, name="other")
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {other_raw_key}")
        response = api.post("/api/v1/cases/", {**body, "email": "new@example.test", "declared_full_name": "",
                                               "declared_birth_date": None}, format="json",
                            HTTP_IDEMPOTENCY_KEY="k-create")

    text = response.content.decode()
    assert response.status_code == status, text
    assert ERASED_NAME not in text and ERASED_EMAIL not in text and ERASED_BIRTH_DATE not in text
    if status == 410:
        assert response.json()["error"]["code"] == "case_erased" and Case.objects.count() == cases_before
