"""Rate limits on what costs us: cases created and uploads stored, per address and per email,
over a sliding window (no reset on the hour)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.models import Case, Document
from kyc.services.rate_limits import sliding_window_count
from tests.kyc.views.test_applicant import START, start_case, upload

pytestmark = pytest.mark.django_db


def test_typos_do_not_count_and_the_limit_shows_our_page_with_the_way_back(client, settings):
    settings.APPLICANT_CASE_RATE = "2/3600"
    for _ in range(5):  # an office behind one address, mistyping
        assert client.post("/", {**START, "email": "not an email"}).status_code == 400
    start_case(client)
    start_case(client, email="colleague@example.test")
    response = client.post("/", {**START, "email": "third@example.test"})
    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "<h1>Please wait a little</h1>" in html and "open the link in the email we sent you" in html
    assert "applicant.css" in html and 'href="/"' in html
    assert Case.objects.count() == 2  # the refused case was rolled back with its count


def test_keyed_by_address_and_by_email(client, settings):
    settings.APPLICANT_CASE_RATE = "1/3600"
    assert client.post("/", START, REMOTE_ADDR="198.51.100.7").status_code == 302
    # The same email from another address, and another email from the same address: both refused.
    assert client.post("/", START, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert client.post("/", {**START, "email": "other@example.test"}, REMOTE_ADDR="198.51.100.7").status_code == 429
    # Someone else elsewhere is not affected.
    assert client.post("/", {**START, "email": "other@example.test"}, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_the_window_slides_instead_of_resetting_on_the_hour():
    hour = 3600
    for at in (3500, 3550):  # two cases just before the hour turns
        assert sliding_window_count(key="k", limit=2, window_seconds=hour, count=True, now=at).allowed
    # A fixed window would allow two more at 3601; the sliding one still sees the two.
    early = sliding_window_count(key="k", limit=2, window_seconds=hour, count=False, now=3700)
    assert not early.allowed and 0 < early.retry_after_seconds <= hour
    # Once most of the previous hour has slid out, there is room again.
    assert sliding_window_count(key="k", limit=2, window_seconds=hour, count=False, now=3600 + 3000).allowed


def test_refused_uploads_do_not_count_stored_ones_do(client, settings):
    settings.APPLICANT_UPLOAD_RATE = "2/3600"
    case = start_case(client)
    for _ in range(3):  # refused: not an image
        refused = upload(client, case, "passport", file=SimpleUploadedFile("x.png", b"not an image", "image/png"), json=True)
        assert refused.status_code == 400
    assert upload(client, case, "passport", json=True).status_code == 200
    assert upload(client, case, "passport", json=True).status_code == 200
    response = upload(client, case, "passport", json=True)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert Document.objects.filter(case=case).count() == 2
