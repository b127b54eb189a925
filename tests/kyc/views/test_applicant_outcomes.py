"""A rejected applicant learns why, in their language, and what they can do next (issue 14, point 5)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from kyc.models import Case, Decision, ReasonCode
from kyc.services.notifications import decision_email_send
from tests.kyc.views.test_applicant import start_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings, tmp_path):
    # Rate-limit counts live in the cache: one per test keeps tests independent.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}


def reject(case: Case, *codes: str) -> Decision:
    reviewer, _ = get_user_model().objects.get_or_create(username="outcome-reviewer")
    decision = Decision.objects.create(case=case, reviewer=reviewer, outcome="reject", reason_codes=list(codes))
    Case.objects.filter(id=case.id).update(state="rejected")
    return decision


def use_language(client, language: str) -> None:
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_a_rejected_applicant_reads_each_reason_and_the_way_forward_in_arabic(client):
    use_language(client, "ar")
    case = start_case(client)
    reject(case, "document-expired", "data-mismatch")
    page = client.get(f"/cases/{case.id}/status/").content.decode()
    assert "الوثيقة التي أرسلتها منتهية الصلاحية." in page
    assert "البيانات الواردة في الوثيقة لا تتطابق" in page
    assert "ما يمكنك فعله الآن" in page and 'href="/"' in page
    assert case.reference in page  # quoted when they contact us


def test_reasons_written_for_reviewers_only_are_not_shown_and_an_admins_edit_is(client):
    case = start_case(client)
    reject(case, "document-tampered", "manual-verification")
    ReasonCode.objects.filter(code="document-tampered").update(applicant_text="Your document looks altered. Call us.")
    page = client.get(f"/cases/{case.id}/status/").content.decode()
    assert "Your document looks altered. Call us." in page
    assert "Verified by hand" not in page  # manual-verification has no applicant text: reviewers' words
    assert "What you can do next" in page


def test_a_language_without_a_translation_falls_back_to_the_english_text(client):
    ReasonCode.objects.filter(code="underage").update(applicant_text_zh_hans="")
    use_language(client, "zh-hans")
    case = start_case(client)
    reject(case, "underage")
    page = client.get(f"/cases/{case.id}/status/").content.decode()
    assert "You must be of the minimum age" in page and "您接下来可以做什么" in page


def test_the_rejection_email_gives_the_reasons_and_a_link_to_start_again(settings):
    settings.APPLICANT_BASE_URL = "http://kyc.example.test"
    client = Client()
    use_language(client, "zh-hans")
    case = start_case(client)
    decision = reject(case, "unsupported-document")
    mail.outbox.clear()
    assert decision_email_send(decision_id=decision.id)
    body = mail.outbox[0].body
    assert "原因：\n- 我们无法接受此类证件或该签发国家/地区的证件。" in body
    link = re.search(r"http://kyc\.example\.test(/\S*)", body).group(1)
    assert Client().get(link).status_code == 200  # the start page, ready for another document


def test_the_continue_link_is_emailed_when_the_case_starts(client, settings):
    settings.APPLICANT_BASE_URL = "http://kyc.example.test"
    mail.outbox.clear()
    case = start_case(client)
    assert len(mail.outbox) == 1
    path = re.search(r"https?://[^/\s]+(/resume/\S+/)", mail.outbox[0].body).group(1)
    other_browser = Client()
    assert other_browser.get(path)["Location"] == f"/cases/{case.id}/"


def test_the_case_page_offers_to_send_the_continue_link_again(client, settings):
    settings.APPLICANT_BASE_URL = "http://kyc.example.test"
    use_language(client, "ar")
    case = start_case(client)
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert "أرسلنا إليك بالبريد الإلكتروني رابطًا لمتابعة الطلب" in page and f"/cases/{case.id}/send-link/" in page
    mail.outbox.clear()
    answer = client.post(f"/cases/{case.id}/send-link/", follow=True).content.decode()
    assert len(mail.outbox) == 1 and "/resume/" in mail.outbox[0].body
    assert "أرسلنا الرابط مرة أخرى إلى applicant@example.test" in answer
    for _ in range(5):
        client.post(f"/cases/{case.id}/send-link/")
    assert len(mail.outbox) == 5  # the sixth within the hour is refused, with a reason
    assert "طلبت الرابط عدة مرات" in client.get(f"/cases/{case.id}/").content.decode()
    assert Client().post(f"/cases/{case.id}/send-link/").status_code == 404  # only the case's own browser
