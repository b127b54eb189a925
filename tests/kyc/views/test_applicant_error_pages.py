"""400, 410 and 429 pages in the applicant's language and layout, with the way back; the quick
start shows them (and 404/500) instead of Django's debug pages."""

from __future__ import annotations

import pytest
from django.core import signing

from kyc.access.applicants import RESUME_SALT
from kyc.management.commands.quickstart import serve_error_pages_like_production

pytestmark = pytest.mark.django_db


def use_language(client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_a_malformed_request_gets_our_400_page(client):
    use_language(client, "ar")
    response = client.get("/", HTTP_HOST="not-our-host.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "<h1>تعذّر فهم هذا الطلب</h1>" in html and 'dir="rtl"' in html and "applicant.css" in html
    assert 'href="/"' in html


def test_an_expired_link_gets_our_410_page(client, settings):
    use_language(client, "zh-hans")
    token = signing.dumps({"case": "00000000-0000-0000-0000-000000000000"}, salt=RESUME_SALT)
    settings.APPLICANT_LINK_MAX_AGE_SECONDS = -1
    response = client.get(f"/resume/{token}/")
    html = response.content.decode()
    assert response.status_code == 410 and "<h1>此链接已过期</h1>" in html and 'href="/"' in html


def test_too_many_cases_page_in_chinese(client, settings):
    settings.APPLICANT_CASE_RATE = "0/3600"
    use_language(client, "zh-hans")
    response = client.post("/", {"email": "a@example.test", "document_type": "passport", "consent_processing": "on"})
    html = response.content.decode()
    assert response.status_code == 429 and "<h1>请稍候</h1>" in html and "分钟后重试" in html


def test_the_quick_start_never_shows_djangos_debug_pages(client, settings, monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    settings.DEBUG = True
    debug_page = client.get("/cases/00000000-0000-0000-0000-000000000000/").content.decode()
    assert "URLconf" in debug_page  # what a newcomer saw before
    serve_error_pages_like_production()
    response = client.get("/cases/00000000-0000-0000-0000-000000000000/")
    html = response.content.decode()
    assert response.status_code == 404 and "URLconf" not in html and "<h1>Page not found</h1>" in html
    assert "open the link in the email we sent you" in html
