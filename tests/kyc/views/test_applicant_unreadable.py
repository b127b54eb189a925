"""After submit: an image nothing can be read from goes back to the applicant, in their language,
until the retry budget is spent; status texts say only what is true."""

from __future__ import annotations

import pytest
from django.core import mail

from kyc.models import Case
from kyc.tasks import read_document, send_unreadable_return_email
from tests.kyc.views.test_applicant import photo, start_case, upload
from tests.support.personas import staff_member
from tests.support.providers import RED

pytestmark = pytest.mark.django_db


def submit_and_read(client, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(f"/cases/{case.id}/submit/").status_code == 302
    document = case.documents.get(is_current=True)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        read_document.apply(args=[str(document.id)], task_id=f"read-{document.id}")
    case.refresh_from_db()
    return queued


def test_an_unreadable_image_goes_back_to_the_applicant_in_their_language(
    client, scripted_ocr, settings, django_capture_on_commit_callbacks
):
    settings.APPLICANT_UNREADABLE_RETURNS = 1
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    case = start_case(client)
    assert upload(client, case, "passport", file=photo(colour=RED), json=True).status_code == 200
    mail.outbox.clear()
    queued = submit_and_read(client, case, django_capture_on_commit_callbacks)
    assert case.state == "resubmission_requested" and case.assigned_to_id is None
    assert len(queued) >= 1  # the email is queued once the return is committed
    send_unreadable_return_email.apply(args=[str(case.id), "passport"])
    status = client.get(f"/cases/{case.id}/status.json").json()
    assert status["resubmission"] and status["state_label"] == "مطلوب صور جديدة"
    assert status["reason"].startswith("تعذّرت قراءة هذه الصورة") and status["resubmission_heading"] == "تعذّرت قراءة إحدى صورك."
    assert [d["requested"] for d in status["documents"]] == [True]
    html = client.get(f"/cases/{case.id}/").content.decode()
    assert "تعذّرت قراءة إحدى صورك." in html and "A reviewer" not in html
    # The email asks in Arabic, with the link back.
    (email,) = mail.outbox
    assert "تعذّرت قراءة صورتك" in email.body and "/resume/" in email.body

    # The budget is spent on the second unreadable photo: now a person looks at it.
    assert upload(client, case, "passport", file=photo(colour=RED), json=True).status_code == 200
    submit_and_read(client, case, django_capture_on_commit_callbacks)
    assert case.state == "needs_attention"
    assert client.get(f"/cases/{case.id}/status.json").json()["state_label"] == "بانتظار المراجعة"
    Case.objects.filter(id=case.id).update(assigned_to=staff_member("reviewer", username="reviewer-a"))
    assert client.get(f"/cases/{case.id}/status.json").json()["state_label"] == "وثيقتك قيد المراجعة"


def test_with_no_budget_the_case_waits_for_a_reviewer(client, scripted_ocr, settings, django_capture_on_commit_callbacks):
    settings.APPLICANT_UNREADABLE_RETURNS = 0
    case = start_case(client)
    upload(client, case, "passport", file=photo(colour=RED), json=True)
    submit_and_read(client, case, django_capture_on_commit_callbacks)
    assert case.state == "needs_attention"
    html = client.get(f"/cases/{case.id}/status/").content.decode()
    assert "Waiting for a reviewer" in html and "A reviewer is looking" not in html
    assert 'data-moving="true"' in html  # it keeps updating until someone decides
