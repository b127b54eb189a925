"""/healthz and /readyz as a load balancer or Kubernetes probe sees them: by IP, over plain HTTP."""

from __future__ import annotations

import json

import pytest
from celery import current_app
from django.test import Client

from kyc.ops import heartbeat
from tests.hardening.faults import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def probe():
    # A probe addresses the pod by IP, a host that is not in ALLOWED_HOSTS.
    return Client(HTTP_HOST="10.1.2.3:8000")


def test_healthz_answers_without_touching_anything(probe):
    response = probe.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_readyz_names_each_dependency_and_the_worker(probe):
    response = probe.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}
    assert body["worker"]["status"] in {"ok", "stale", "unknown"}


def test_production_probes_are_not_redirected_to_https_nor_refused_for_their_host(probe, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["kyc.example.com"]
    assert probe.get("/healthz").status_code == 200
    assert probe.get("/readyz").status_code == 200
    # Everything else still gets the production treatment.
    assert probe.get("/").status_code == 400


def test_an_unreachable_broker_makes_readyz_503_without_saying_where_it_is(probe, monkeypatch):
    port = free_port()  # nothing listens there
    unreachable = f"redis://:s3cret-password@127.0.0.1:{port}/0"
    monkeypatch.setattr(current_app.conf, "broker_url", unreachable)
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)  # the environment outranks the app's configuration
    response = probe.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    text = response.content.decode()
    assert str(port) not in text and "s3cret" not in text and "127.0.0.1" not in text


def test_an_unreachable_cache_makes_readyz_503(probe, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{free_port()}/9"}
    }
    response = probe.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"
    assert response.json()["worker"] == {"status": "unknown"}


def test_worker_heartbeat_shows_in_readyz_and_goes_stale(probe, monkeypatch):
    heartbeat.beat()
    worker = probe.get("/readyz").json()["worker"]
    assert worker["status"] == "ok"
    assert worker["last_heartbeat_seconds_ago"] <= heartbeat.HEARTBEAT_STALE_SECONDS
    # A heartbeat written long ago: the worker is gone.
    from django.core.cache import cache

    cache.set(heartbeat.HEARTBEAT_KEY, 1_000_000.0, timeout=None)
    assert probe.get("/readyz").json()["worker"]["status"] == "stale"


def test_probe_answers_are_json_and_hold_no_personal_or_secret_values(probe, settings):
    settings.SECRET_KEY = "a-secret-key-that-must-never-show-in-any-probe-answer-0123456789"
    for path in ("/healthz", "/readyz"):
        text = probe.get(path).content.decode()
        json.loads(text)
        assert settings.SECRET_KEY not in text and "@" not in text and "password" not in text.lower()


def test_a_document_folder_that_cannot_be_made_makes_readyz_503(probe, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")  # as a volume that failed to mount might leave
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "kyc.storage.filesystem.PrivateFileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "a-file" / "gone")}},
    }
    response = probe.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert "gone" not in response.content.decode()
