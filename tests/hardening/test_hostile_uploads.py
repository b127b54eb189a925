"""Every file of the hostile corpus, through the applicant's upload form and through the API.

Each is refused with a message the applicant can act on, or stored as a clean re-encoding;
never an error page, never the bytes as sent, never half a document.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse

from tests.hardening import support
from tests.hardening.corpus import ACCEPT, CORPUS, EITHER, REFUSE, Hostile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    # Every test starts a case from 127.0.0.1; the per-address limits are tested elsewhere.
    settings.APPLICANT_CASE_RATE = "100000/3600"
    settings.APPLICANT_UPLOAD_RATE = "100000/3600"

assert len(CORPUS) >= 40


def _expect_outcome(item: Hostile, *, refused: bool, text: str, case_id: str) -> None:
    if item.expect == ACCEPT:
        assert not refused, f"{item.name} should be accepted (re-encoded), but was refused: {text[:300]}"
    elif item.expect == REFUSE:
        assert refused, f"{item.name} should be refused, but was accepted"
    if refused:
        assert any(fragment in text for fragment in item.messages), (
            f"{item.name}: refused without a clear message (expected one of {item.messages}); page says: {text[:400]}"
        )
        support.assert_nothing_stored(case_id)
    else:
        support.assert_stored_clean(case_id, item)


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.name)
def test_browser_form(item: Hostile):
    client = Client()  # raises on any server error instead of returning a 500 page
    case_id = support.browser_case(client)
    response = support.browser_upload(client, case_id, item)
    assert response.status_code == 200, response.status_code
    assert "onerror=alert" not in response.content.decode("utf-8", "replace"), "the file name was echoed unescaped"
    shown = support.page_messages(response)
    refused = not support.Document.objects.filter(case_id=case_id).exists()
    assert [level for level, _text in shown] == (["error"] if refused else ["success"]), shown
    text = " ".join(message for _level, message in shown)
    _expect_outcome(item, refused=refused, text=text, case_id=case_id)


@pytest.fixture
def api_case():
    if not support.api_available():
        pytest.skip("the API (POST /api/v1/cases/{id}/documents/) is not in this tree yet")
    return support.api_case_and_key()


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item.name)
def test_api(item: Hostile, api_case):
    case_id, raw_key = api_case
    response = support.api_upload(Client(), case_id, raw_key, item)
    text = support.api_text(response)
    assert response.status_code < 500
    refused = response.status_code >= 400
    if refused:
        assert response.status_code in (400, 409, 413, 415, 422), (response.status_code, text[:300])
    else:
        assert response.status_code in (200, 201), (response.status_code, text[:300])
    _expect_outcome(item, refused=refused, text=text, case_id=case_id)


def test_corpus_covers_every_promise():
    """The corpus keeps its breadth: a shrinking corpus would quietly test less."""
    expectations = {item.expect for item in CORPUS}
    assert expectations == {ACCEPT, REFUSE, EITHER}
    names = " ".join(item.name for item in CORPUS)
    for family in ("polyglot", "svg", "bomb", "truncated", "zero-bytes", "cmyk", "16bit", "animated", "gps",
                   "pdf-with-javascript", "traversal", "unicode", "65535", "mpo", "mangled"):
        assert family in names, family


class CountingPayload(FakePayload):
    """The request body as the WSGI server hands it over, counting what the application reads."""

    def __init__(self, content: bytes) -> None:
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1, /):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def _multipart(fields: dict, file_bytes: bytes) -> tuple[bytes, str]:
    data = {**fields, "file": SimpleUploadedFile("passport.png", file_bytes, content_type="image/png")}
    return encode_multipart(BOUNDARY, data), MULTIPART_CONTENT


def test_oversized_body_is_refused_before_it_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client = Client()
    case_id = support.browser_case(client)
    body, content_type = _multipart({}, b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024))
    payload = CountingPayload(body)
    url = reverse("applicant:upload", kwargs={"case_id": case_id, "kind": "passport"})
    response = client.generic("POST", url, body, content_type=content_type, **{"wsgi.input": payload})
    assert response.status_code == 413
    assert "the limit is 1 MB" in response.content.decode()

    assert payload.bytes_read == 0, f"{payload.bytes_read} bytes were read before refusing"
    support.assert_nothing_stored(case_id)


def test_oversized_api_body_is_refused_before_it_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    if not support.api_available():
        pytest.skip("the API is not in this tree yet")
    case_id, raw_key = support.api_case_and_key()
    body, content_type = _multipart({"kind": "passport", "side": "data_page"}, b"\xff\xd8\xff" + b"\x00" * (3 * 1024 * 1024))
    payload = CountingPayload(body)
    response = Client().generic(
        "POST", support.API_DOCUMENTS_PATH.format(case_id=case_id), body, content_type=content_type,
        HTTP_AUTHORIZATION=f"Api-Key {raw_key}", **{"wsgi.input": payload},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert payload.bytes_read == 0
    support.assert_nothing_stored(case_id)


def test_file_just_over_the_limit_is_refused_with_the_limit(settings):
    """Within the envelope allowance the body is read, and the upload path names the limit."""
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    client = Client()
    case_id = support.browser_case(client)
    url = reverse("applicant:upload", kwargs={"case_id": case_id, "kind": "passport"})
    just_over = b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 10)
    response = client.post(url, {"file": SimpleUploadedFile("passport.png", just_over, "image/png")}, follow=True)
    shown = support.page_messages(response)
    assert len(shown) == 1 and shown[0][0] == "error"
    assert "the limit is" in shown[0][1]
    support.assert_nothing_stored(case_id)
