from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from kyc.api.models import Integrator
from kyc.api.services import api_key_create
from tests.support.receiver import start_receiver


def client_for(integrator: Integrator) -> APIClient:
    _, raw_key = api_key_create(integrator=integrator, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    client.raw_key = raw_key
    return client


@pytest.fixture
def integrator(db):
    return Integrator.objects.create(name="Acme Bank")


@pytest.fixture
def api(integrator):
    return client_for(integrator)


@pytest.fixture
def other_api(db):
    return client_for(Integrator.objects.create(name="Other Fintech"))


@pytest.fixture
def receiver():
    receiver, server = start_receiver()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(settings, tmp_path):
    # Rate counts live in the cache; a cache of its own per test keeps the tests independent.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}
