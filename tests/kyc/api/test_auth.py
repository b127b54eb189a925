"""API keys: shown once, stored hashed, revocable; an integrator sees and touches only its own cases."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from kyc.api.models import ApiKey, Integrator, hash_key
from kyc.api.services import api_key_revoke
from kyc.core.audit import Actor
from tests.kyc.api.helpers import CASE, create_case, error_code, upload

pytestmark = pytest.mark.django_db


def test_the_key_is_stored_only_as_a_hash(api):
    key = ApiKey.objects.get()
    assert api.raw_key not in (key.hashed_key, key.prefix)
    assert key.hashed_key == hash_key(api.raw_key)
    assert api.raw_key.startswith(f"kyc_{key.prefix}_")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer abc", "Api-Key", "Api-Key not-a-key", "Api-Key two words", "Token kyc_x_y"],
)
def test_requests_without_a_valid_key_are_401(db, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for method, url in (("get", "/api/v1/cases/"), ("post", "/api/v1/cases/")):
        response = getattr(client, method)(url, CASE, format="json")
        assert response.status_code == 401
        assert error_code(response) == "unauthenticated"
        assert response["WWW-Authenticate"] == "Api-Key"


def test_a_revoked_key_and_a_disabled_integrator_are_refused(api, integrator):
    assert api.get("/api/v1/cases/").status_code == 200
    api_key_revoke(key=ApiKey.objects.get(), actor=Actor.system())
    response = api.get("/api/v1/cases/")
    assert response.status_code == 401 and "revoked" in response.json()["error"]["message"]

    client = APIClient()
    from kyc.api.services import api_key_create

    _, raw = api_key_create(integrator=integrator)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    Integrator.objects.filter(pk=integrator.pk).update(is_active=False)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401 and "disabled" in response.json()["error"]["message"]


def test_another_integrator_sees_nothing_and_changes_nothing(api, other_api):
    case = create_case(api)
    case_url = f"/api/v1/cases/{case['id']}/"
    assert other_api.get("/api/v1/cases/").json()["count"] == 0
    for response in (
        other_api.get(case_url),
        upload(other_api, case["id"], "passport"),
        other_api.post(f"{case_url}submit/"),
        other_api.post(f"{case_url}consents/", {"scope": "processing"}, format="json"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    assert api.get(case_url).json()["documents"] == []


def test_applicant_session_gives_no_api_access(client, db):
    # The browser's session cookie is not an API credential.
    assert client.get("/api/v1/cases/").status_code == 401


def test_create_api_key_command_prints_the_key_once(capsys):
    call_command("create_api_key", "Example Pay", "--create-integrator", "--name", "production")
    output = capsys.readouterr().out
    raw_key = output.strip().splitlines()[-1]
    key = ApiKey.objects.get(integrator__name="Example Pay")
    assert key.hashed_key == hash_key(raw_key) and key.name == "production"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert client.get("/api/v1/cases/").status_code == 200


def test_create_api_key_command_refuses_an_unknown_integrator(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--create-integrator"):
        call_command("create_api_key", "Nobody")


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_RATE = "3/minute"
    statuses = [api.get("/api/v1/cases/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/cases/")
    assert error_code(response) == "rate_limited" and int(response["Retry-After"]) > 0


def test_admin_creates_a_key_and_shows_it_once(admin_client, integrator):
    response = admin_client.post(
        "/admin/kyc_api/integrator/",
        {"action": "create_key", "_selected_action": [str(integrator.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    raw_key = re.search(r"kyc_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", response.content.decode()).group(0)
    key = ApiKey.objects.get(integrator=integrator)
    assert key.hashed_key == hash_key(raw_key)
    # Nowhere to be seen again: the key's page shows the prefix and the hash only.
    page = admin_client.get(f"/admin/kyc_api/apikey/{key.pk}/change/").content.decode()
    assert raw_key not in page and key.prefix in page
