"""Security headers, cookies and CSRF on real responses, in development and production settings."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.hardening import support
from tests.support import worker as worker_support
from tests.support.static import use_production_static
from tests.support.worker import REPO_ROOT

PRODUCTION_HOST = "kyc.example.test"


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    settings.APPLICANT_CASE_RATE = "100000/3600"
    settings.APPLICANT_UPLOAD_RATE = "100000/3600"


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


def applicant_pages(client) -> dict[str, str]:
    case_id = support.browser_case(client)
    return {
        "start": reverse("applicant:start"),
        "privacy": reverse("applicant:privacy"),
        "case": reverse("applicant:case", kwargs={"case_id": case_id}),
        "status": reverse("applicant:status", kwargs={"case_id": case_id}),
        "status.json": reverse("applicant:status_json", kwargs={"case_id": case_id}),
        "reviewer login": reverse("reviewer:login"),
    }


@pytest.mark.django_db
def test_every_page_sends_the_security_headers():
    client = Client()
    for name, url in applicant_pages(client).items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        policy = parse_csp(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], name
        # No inline code and no eval: an injected <script> or onerror= does not run.
        for directive in ("script-src", "style-src"):
            assert policy[directive] == ["'self'"], (name, directive, policy[directive])
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and response["X-Frame-Options"] == "DENY", name
        assert policy["form-action"] == ["'self'"]
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "camera=(self)" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        # Pages about a person's identity document are never kept by a shared cache or the back button.
        assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"], name


@pytest.mark.django_db
def test_api_answers_carry_the_headers_too():
    if not support.api_available():
        pytest.skip("the API is not in this tree yet")
    case_id, raw_key = support.api_case_and_key()
    response = Client().get(f"/api/v1/cases/{case_id}/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response and response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP (script-src/style-src 'self') would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "script" and "src" not in attributes and attributes.get("type") not in ("application/json",
                                                                                         "application/ld+json"):
            self._in_inline = "script"
        if tag == "style":
            self._in_inline = "style"

    def handle_data(self, data):
        if self._in_inline and data.strip():
            self.problems.append(f"inline <{self._in_inline}>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in_inline = None


@pytest.mark.django_db
def test_pages_hold_no_inline_code_the_policy_would_block(reviewer):
    client = Client()
    pages = {k: v for k, v in applicant_pages(client).items() if not k.endswith(".json")}
    staff = Client()
    staff.force_login(reviewer)
    found = {}
    for name, url in pages.items():
        finder = InlineCodeFinder()
        finder.feed(client.get(url).content.decode())
        if finder.problems:
            found[name] = finder.problems
    for name, url in {"reviewer queue": reverse("reviewer:queue")}.items():
        finder = InlineCodeFinder()
        finder.feed(staff.get(url, follow=True).content.decode())
        if finder.problems:
            found[name] = finder.problems
    assert not found, f"inline code the Content-Security-Policy blocks: {found}"


@pytest.mark.django_db
def test_csrf_is_enforced_on_the_applicant_form():
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("applicant:start"))
    data = {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"}
    assert client.post(reverse("applicant:start"), data).status_code == 403
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    assert client.post(reverse("applicant:start"), {**data, "csrfmiddlewaretoken": token}).status_code == 302


@pytest.mark.django_db
def test_csrf_is_enforced_on_the_staff_login(reviewer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("reviewer:login"), {"username": "reviewer", "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_cookies_are_http_only_and_same_site():
    client = Client()
    page = client.get(reverse("applicant:start"))
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    support.browser_case(client)
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"


def production_environ(data_dir) -> dict[str, str]:
    env = os.environ.copy()
    env.update({
        "KYC_ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "KYC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
        "KYC_DATA_DIR": str(data_dir),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(REPO_ROOT),
    })
    env.pop("DEBUG", None)
    return env


# `manage.py check --deploy` under production settings: tests/kyc/test_settings.py (and the README's
# production steps in tests/integration/test_gunicorn.py); one more interpreter here added ~20 s.


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_production_responses(tmp_path):
    env = production_environ(tmp_path)
    env["DATABASE_URL"] = worker_support.test_database_url()
    use_production_static(tmp_path)  # collected once per run, not by the probe
    result = subprocess.run(
        [sys.executable, "-m", "tests.hardening.production_probe"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["settings"]["DEBUG"] is False
    # Plain HTTP is redirected to HTTPS.
    assert report["http"]["status"] == 301 and report["http"]["location"].startswith("https://")
    start = report["start_page"]
    assert start["status"] == 200
    headers = {k.lower(): v for k, v in start["headers"].items()}
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    policy = parse_csp(headers["content-security-policy"])
    assert "upgrade-insecure-requests" in policy and policy["script-src"] == ["'self'"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"
    # __Host- cookies: HTTPS only, this host only, path /.
    (csrf_name, csrf), = start["cookies"].items()
    assert csrf_name.startswith("__Host-") and csrf["secure"] and csrf["httponly"] and csrf["path"] == "/"
    assert not csrf["domain"]
    assert report["post_without_token"]["status"] == 403
    posted = report["post_with_token"]
    assert posted["status"] == 302, posted
    session = posted["cookies"][report["settings"]["SESSION_COOKIE_NAME"]]
    assert report["settings"]["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax" and not session["domain"]
