"""The OpenAPI schema and the docs page, served without any CDN."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint_and_the_key(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/cases/", "post"), ("/api/v1/cases/", "get"), ("/api/v1/cases/{case_id}/", "get"),
        ("/api/v1/cases/{case_id}/documents/", "post"), ("/api/v1/cases/{case_id}/submit/", "post"),
        ("/api/v1/cases/{case_id}/consents/", "post"), ("/api/v1/webhooks/", "post"),
        ("/api/v1/webhooks/{endpoint_id}/deliveries/", "get"),
    ]:
        assert method in paths[path], (path, method)
    assert schema["components"]["securitySchemes"]["ApiKey"]["name"] == "Authorization"
    upload = paths["/api/v1/cases/{case_id}/documents/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_docs_page_loads_its_scripts_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert "<script>" not in html  # the setup script is a file: the strict CSP allows no inline code
    assert "script-src 'self'" in response["Content-Security-Policy"]
    setup = client.get("/api/docs/?script")
    assert setup.status_code == 200 and "/api/schema/" in setup.content.decode()
