"""The applicant pages: start, consent, upload, submit, live status, resubmission, access, limits."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.domain.workflow import CaseState
from kyc.models import Case, Document
from kyc.services.cases import case_transition
from kyc.tasks import read_document
from kyc.views.applicant import SESSION_GRANTS_KEY
from tests.support.providers import GREEN, colour_image

pytestmark = pytest.mark.django_db

START = {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"}


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    # Rate-limit counts live in the cache: one per test keeps tests independent.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def photo(size=(640, 420), name="photo.png", colour=GREEN) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, colour_image(colour, size=size), content_type="image/png")


def start_case(client, **overrides) -> Case:
    response = client.post("/", {**START, **overrides})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(id=response["Location"].split("/")[2])


def upload(client, case, kind, file=None, json=False):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(f"/cases/{case.id}/documents/{kind}/", {"file": file or photo()}, **headers)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_start_page_in_three_languages_with_picker_and_direction(client):
    english = page(client, "/")
    assert 'dir="ltr"' in english and "Verify your identity" in english
    assert 'name="language"' in english and "العربية" in english and "简体中文" in english
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    arabic = page(client, "/")
    assert 'lang="ar" dir="rtl"' in arabic and "تحقق من هويتك" in arabic
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = page(client, "/")
    assert 'lang="zh-hans" dir="ltr"' in chinese and "验证您的身份" in chinese
    assert "css/applicant.css" in chinese and "js/applicant.js" in chinese


def test_starting_a_case_binds_it_to_the_session_records_consent_and_emails_a_link(client):
    case = start_case(client, declared_full_name="Alex Tester", declared_birth_date="1990-01-31")
    assert case.document_type == "passport" and case.applicant.declared_birth_date == date(1990, 1, 31)
    assert AuditEvent.objects.filter(case_id=case.id, action="consent.given", data__scope="processing").exists()
    assert "Upload your document" in page(client, f"/cases/{case.id}/")
    [message] = mail.outbox
    assert message.to == ["applicant@example.test"] and case.reference in message.subject
    link = re.search(r"http://testserver(/resume/\S+/)", message.body).group(1)
    # The link opens the case in another browser too (it is the applicant's own mailbox).
    other = Client()
    assert other.get(link)["Location"] == f"/cases/{case.id}/"
    assert other.get(f"/cases/{case.id}/").status_code == 200


def test_implied_issuing_country_for_national_ids(client):
    assert start_case(client, document_type="emirates_id").issuing_country == "ARE"
    assert start_case(client, document_type="cn_resident_id", issuing_country="GBR").issuing_country == "CHN"
    assert start_case(client, issuing_country="GBR").issuing_country == "GBR"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent_processing": ""}, "Please agree to the privacy notice to continue."),
        ({"email": "not-an-email"}, "Please enter a valid email address"),
        ({"document_type": "visa"}, "Please choose the document you will upload."),
        ({"declared_birth_date": "2999-01-01"}, "The birth date cannot be in the future."),
        ({"declared_birth_date": "31/31/1990"}, "Please enter a valid date of birth."),
        ({"issuing_country": "ZZZ"}, "Please choose the issuing country from the list."),
    ],
)
def test_start_refusals_are_shown_and_create_nothing(client, overrides, message):
    response = client.post("/", {**START, **overrides})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0


def test_another_session_sees_nothing(client):
    case = start_case(client)
    stranger = Client()
    for url in (f"/cases/{case.id}/", f"/cases/{case.id}/status/", f"/cases/{case.id}/status.json"):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/cases/{case.id}/documents/passport/", {"file": photo()}).status_code == 404
    assert stranger.post(f"/cases/{case.id}/submit/").status_code == 404
    assert Document.objects.count() == 0


def test_access_expires(client, settings):
    case = start_case(client)
    session = client.session
    session[SESSION_GRANTS_KEY] = {str(case.id): int(time.time()) - settings.APPLICANT_LINK_MAX_AGE_SECONDS - 1}
    session.save()
    assert client.get(f"/cases/{case.id}/").status_code == 404


def test_resume_links_expire_and_cannot_be_forged(client, settings):
    case = start_case(client)
    token = re.search(r"/resume/(\S+)/", mail.outbox[0].body).group(1)
    stranger = Client()
    assert stranger.get(f"/resume/{token[:-2]}xx/").status_code == 404
    forged = signing.dumps({"case": str(case.id)}, key="not-our-secret", salt="kyc.applicant.resume")
    assert stranger.get(f"/resume/{forged}/").status_code == 404
    assert stranger.get(f"/cases/{case.id}/").status_code == 404
    # The same genuine link, once older than the limit, has expired.
    settings.APPLICANT_LINK_MAX_AGE_SECONDS = 60
    from unittest import mock

    with mock.patch("time.time", return_value=time.time() + 120):
        response = stranger.get(f"/resume/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert stranger.get(f"/cases/{case.id}/").status_code == 404


def test_upload_then_submit_then_live_status(client, scripted_ocr, django_capture_on_commit_callbacks):
    case = start_case(client, document_type="emirates_id")
    response = upload(client, case, "emirates_id_front")
    assert response.status_code == 302
    assert "Emirates ID, front: received." in page(client, f"/cases/{case.id}/")
    body = upload(client, case, "emirates_id_back", json=True).json()
    assert body == {"ok": True, "message": "Emirates ID, back: received.", "warnings": [], "kind": "emirates_id_back", "all_present": True}
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/cases/{case.id}/submit/")
    assert response["Location"] == f"/cases/{case.id}/status/"
    status = client.get(f"/cases/{case.id}/status.json").json()
    assert status["state"] == "submitted"
    assert [d["read_state"] for d in status["documents"]] == ["pending", "pending"]
    for document in Document.objects.filter(case=case):
        read_document.apply(args=[str(document.id)], task_id=f"t-{document.id}")
    status = client.get(f"/cases/{case.id}/status.json").json()
    assert status["state"] == "ready_for_review" and status["state_label"] == "Waiting for a reviewer"
    assert [d["read_state_label"] for d in status["documents"]] == ["Read", "Read"]
    # Submitted: the upload page sends the applicant to the status page, and uploads are refused.
    assert client.get(f"/cases/{case.id}/")["Location"] == f"/cases/{case.id}/status/"
    refused = upload(client, case, "emirates_id_back", json=True)
    assert refused.status_code == 409 and "can no longer be changed" in refused.json()["message"]
    # A second submit (double click) just shows the status.
    assert client.post(f"/cases/{case.id}/submit/")["Location"] == f"/cases/{case.id}/status/"


def test_submit_with_a_missing_side_names_it(client):
    case = start_case(client, document_type="emirates_id")
    upload(client, case, "emirates_id_front")
    response = client.post(f"/cases/{case.id}/submit/", follow=True)
    assert "Missing: Emirates ID, back." in response.content.decode()
    case.refresh_from_db()
    assert case.state == "draft"


REFUSALS = [
    ("pdf_not_supported", SimpleUploadedFile("scan.jpg", b"%PDF-1.7\n%%EOF", content_type="image/jpeg"), "PDF files are not accepted"),
    ("heic_not_supported", SimpleUploadedFile("IMG_0001.jpg", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 80), "HEIC/HEIF photos"),
    ("unsupported_type", SimpleUploadedFile("photo.png", b"not an image", content_type="image/png"), "not a JPEG, PNG, BMP or TIFF"),
    ("empty_file", SimpleUploadedFile("empty.png", b"", content_type="image/png"), "The file is empty"),
    ("image_too_small", "small", "Please upload a photo at least 200 pixels"),
    ("corrupt_image", "truncated", "could not be read as an image"),
]


def _file(spec):
    if spec == "small":
        return photo(size=(150, 120))
    if spec == "truncated":
        content = colour_image(GREEN, size=(640, 420), fmt="JPEG")
        return SimpleUploadedFile("cut.jpg", content[: len(content) // 2], content_type="image/jpeg")
    spec.seek(0)
    return spec


@pytest.mark.parametrize(("code", "spec", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refused_file_shows_its_message_with_and_without_javascript(client, code, spec, message):
    case = start_case(client)
    response = upload(client, case, "passport", _file(spec), json=True)
    assert response.status_code == 400
    assert response.json()["code"] == code and message in response.json()["message"]
    response = client.post(f"/cases/{case.id}/documents/passport/", {"file": _file(spec)}, follow=True)
    assert message in response.content.decode()
    assert Document.objects.count() == 0


def test_a_file_above_the_byte_limit_is_refused(client, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    case = start_case(client)
    big = SimpleUploadedFile("big.png", colour_image(GREEN, size=(640, 420)) + b"\0" * 4096)
    response = upload(client, case, "passport", big, json=True)
    assert response.json()["code"] == "file_too_large" and "the limit is" in response.json()["message"]


def test_an_oversized_upload_is_cut_off_before_it_is_stored(client, settings):
    # As if the body had no trustworthy Content-Length (chunked), which kyc.project.middleware checks first.
    settings.UPLOAD_MAX_BYTES = 4096
    settings.REQUEST_BODY_OVERHEAD_BYTES = 10 * 1024 * 1024
    case = start_case(client)
    huge = SimpleUploadedFile("huge.png", colour_image(GREEN) + b"\0" * 300_000)
    response = upload(client, case, "passport", huge, json=True)
    assert response.status_code == 400 and response.json()["code"] == "file_too_large"
    response = client.post(f"/cases/{case.id}/documents/passport/", {"file": huge}, follow=True)
    assert "MB limit" in response.content.decode()
    assert Document.objects.count() == 0


def test_uploads_still_need_the_csrf_token(client):
    case = start_case(client)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(f"/cases/{case.id}/documents/passport/", {"file": photo()})
    assert response.status_code == 403
    assert Document.objects.count() == 0


def test_a_missing_file_and_a_foreign_side_are_refused(client):
    case = start_case(client)
    response = client.post(f"/cases/{case.id}/documents/passport/", {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "no_file"
    response = upload(client, case, "emirates_id_front", json=True)
    assert response.status_code == 400 and response.json()["code"] == "unknown_side"


def test_the_same_image_for_two_sides_is_refused(client):
    case = start_case(client, document_type="emirates_id")
    content = colour_image(GREEN)
    upload(client, case, "emirates_id_front", SimpleUploadedFile("a.png", content))
    response = upload(client, case, "emirates_id_back", SimpleUploadedFile("b.png", content), json=True)
    assert response.json()["code"] == "duplicate_image"
    assert "Please upload the other side" in response.json()["message"]


def test_a_chinese_id_needs_separate_consent_first(client):
    case = start_case(client, document_type="cn_resident_id")
    html = page(client, f"/cases/{case.id}/")
    assert "Separate consent for your Chinese ID number" in html and 'class="upload-form"' not in html
    response = upload(client, case, "cn_id_portrait", json=True)
    assert response.status_code == 400 and response.json()["code"] == "consent_required"
    client.post(f"/cases/{case.id}/consent/", {})  # the box not ticked
    assert not AuditEvent.objects.filter(case_id=case.id, data__scope="sensitive_personal_information").exists()
    client.post(f"/cases/{case.id}/consent/", {"consent_sensitive": "yes"})
    assert AuditEvent.objects.filter(case_id=case.id, data__scope="sensitive_personal_information").exists()
    assert 'class="upload-form"' in page(client, f"/cases/{case.id}/")
    assert upload(client, case, "cn_id_portrait", json=True).json()["ok"] is True


def ask_for_new_image(case, kind, reason):
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(id=case.id)
        for target in (CaseState.SUBMITTED, CaseState.PROCESSING, CaseState.READY_FOR_REVIEW):
            case_transition(case=locked, target=target, actor=Actor.system("test"))
        case_transition(case=locked, target=CaseState.RESUBMISSION_REQUESTED, actor=Actor.system("test"), reason=reason)
        Document.objects.filter(case=locked).update(read_state="read")
        Document.objects.filter(case=locked, kind=kind, is_current=True).update(is_current=False)


def test_resubmission_shows_which_side_and_why_and_replaces_only_it(client, django_capture_on_commit_callbacks):
    case = start_case(client, document_type="emirates_id")
    back = colour_image(GREEN)
    upload(client, case, "emirates_id_front")
    upload(client, case, "emirates_id_back", SimpleUploadedFile("back.png", back))
    ask_for_new_image(case, "emirates_id_back", "The back side is too blurry.")

    status = client.get(f"/cases/{case.id}/status.json").json()
    assert status["resubmission"] and status["reason"] == "The back side is too blurry."
    assert [d["requested"] for d in status["documents"]] == [False, True]
    html = page(client, f"/cases/{case.id}/")
    assert "A reviewer asked you for new images." in html and "The back side is too blurry." in html
    back_side = re.search(r'<li class="side[^"]*" id="side-emirates_id_back".*?</li>', html, re.S).group(0)
    assert "requested" in back_side and "New image needed" in back_side
    front_side = re.search(r'<li class="side[^"]*" id="side-emirates_id_front".*?</li>', html, re.S).group(0)
    assert "New image needed" not in front_side

    # The blurry photo again is refused; a new one is taken.
    again = upload(client, case, "emirates_id_back", SimpleUploadedFile("back.png", back), json=True)
    assert again.json()["code"] == "duplicate_image" and "new photo" in again.json()["message"]
    assert upload(client, case, "emirates_id_back", json=True).json()["ok"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/cases/{case.id}/submit/")
    assert len(callbacks) == 1  # only the replaced side is read again
    case.refresh_from_db()
    assert case.state == "submitted"


def test_names_and_dates_in_each_language(client):
    case = start_case(client, declared_full_name="Alex Tester", declared_birth_date="1990-01-31")
    Case.objects.filter(id=case.id).update(state="submitted")
    english = page(client, f"/cases/{case.id}/status/")
    assert "Jan. 31, 1990" in english
    assert '<bdi dir="auto" class="declared-name">Alex Tester</bdi>' in english
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    arabic = page(client, f"/cases/{case.id}/status/")
    assert "يناير" in arabic and "1990" in arabic and "Alex Tester</bdi>" in arabic
    assert "الحالة" in arabic
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = page(client, f"/cases/{case.id}/status/")
    assert "1990年1月31日" in chinese and "验证进度" in chinese
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    status = client.get(f"/cases/{case.id}/status.json").json()
    assert status["state_label"] == "تم الإرسال"


def test_refusal_messages_are_translated(client):
    case = start_case(client)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    response = upload(client, case, "passport", SimpleUploadedFile("x.jpg", b"%PDF-1.4"), json=True)
    assert response.json()["message"].startswith("不接受 PDF 文件")
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    response = upload(client, case, "passport", SimpleUploadedFile("x.jpg", b"%PDF-1.4"), json=True)
    assert "PDF" in response.json()["message"] and "لا نقبل" in response.json()["message"]


def test_privacy_notice(client):
    html = page(client, "/privacy/")
    assert "Privacy notice" in html and "sensitive personal information" in html


def test_every_case_state_has_an_applicant_label():
    from kyc.i18n.labels import STATE_LABELS

    assert set(STATE_LABELS) == {state.value for state in CaseState}
