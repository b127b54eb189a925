"""The README's production web steps, run as written: collectstatic, check --deploy, then
`gunicorn kyc.project.wsgi` (reading gunicorn.conf.py), and pages requested through it as the TLS proxy would."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from django.conf import settings

from tests.hardening.faults import free_port
from tests.support import worker as worker_support
from tests.support.static import use_production_static
from tests.support.worker import REPO_ROOT, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent


def production_environ(tmp_path: Path, port: int) -> dict[str, str]:
    secret_file = tmp_path / "kyc_secret"
    secret_file.write_text(secrets.token_urlsafe(64))
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG", "LOG_FORMAT"}}
    env.update({
        "KYC_ENVIRONMENT": "production",
        "SECRET_KEY_FILE": str(secret_file),
        "ALLOWED_HOSTS": "kyc.example.com",
        "KYC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": worker_support.test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "KYC_DATA_DIR": str(tmp_path / "data"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "PYTHONPATH": str(REPO_ROOT),
    })
    return env


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout + done.stderr


def test_readme_production_web_steps_serve_pages_through_gunicorn(tmp_path):
    port = free_port()
    env = production_environ(tmp_path, port)
    run([sys.executable, "manage.py", "migrate"], env)
    # The README's `manage.py collectstatic --noinput`, run once per test run under the same
    # production settings (tests/support/static.py): it spends ~50 s of CPU compressing.
    use_production_static(tmp_path / "data")
    assert "no issues" in run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(BIN / "gunicorn"), "kyc.project.wsgi"], cwd=REPO_ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"

    def healthy():
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        # The probe: by IP, plain HTTP, no forwarded headers.
        wait_for(healthy, timeout=90, what="gunicorn to answer /healthz")
        proxied = {"Host": "kyc.example.com", "X-Forwarded-Proto": "https"}
        page = httpx.get(f"{base}/", headers=proxied, timeout=30)
        assert page.status_code == 200
        assert "Verify your identity" in page.text
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        assert len(page.headers["X-Request-ID"]) >= 8
        # Its stylesheet is served (collectstatic + WhiteNoise), compressed and cacheable for ever.
        stylesheet = next(part.split('"')[0] for part in page.text.split('href="')[1:] if part.split('"')[0].endswith(".css"))
        css = httpx.get(f"{base}{stylesheet}", headers=proxied, timeout=30)
        assert css.status_code == 200 and "immutable" in css.headers.get("Cache-Control", "")
        # Without the proxy's header the request came over HTTP: redirected to HTTPS.
        plain = httpx.get(f"{base}/", headers={"Host": "kyc.example.com"}, timeout=30)
        assert plain.status_code == 301 and plain.headers["Location"] == "https://kyc.example.com/"
        # Another host name is refused.
        assert httpx.get(f"{base}/", headers={"Host": "evil.example", "X-Forwarded-Proto": "https"}, timeout=30).status_code == 400
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.json()["checks"]["database"] == "ok"
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=60)
    assert exit_code == 0
    # gunicorn's own lines and the application's are JSON objects, one per line; one per request.
    lines = [line for line in log_path.read_text().splitlines() if line.strip()]
    events = [json.loads(line) for line in lines]
    answered = [event for event in events if event["message"] == "request answered"]
    assert {event["route"] for event in answered} >= {""}  # the applicant start page is the empty route
    assert any(event["status"] == 301 for event in answered)
    assert all("request_id" in event and "duration_ms" in event for event in answered)
    assert any(event["logger"] == "gunicorn.error" for event in events)
