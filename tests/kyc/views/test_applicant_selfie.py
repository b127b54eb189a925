"""The applicant's selfie step (issue 19): consent, selfie, head-turn burst, submit; in the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kyc.models import Case, LivenessFrame
from tests.support.providers import GREEN, colour_image

pytestmark = pytest.mark.django_db

START = {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"}


@pytest.fixture(autouse=True)
def _own_cache_and_selfie_asked(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}}
    settings.SELFIE_REQUIREMENT = "required"


def jpeg(size=(320, 240)) -> SimpleUploadedFile:
    return SimpleUploadedFile("f.jpg", colour_image((190, 150, 130), size=size, fmt="JPEG"), content_type="image/jpeg")


def start_case(client, language="en") -> Case:
    response = client.post("/", START, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    case = Case.objects.get(id=response["Location"].split("/")[2])
    client.post(f"/cases/{case.id}/documents/passport/",
                {"file": SimpleUploadedFile("p.png", colour_image(GREEN), content_type="image/png")})
    return case


def burst(client, case, nonce, count=10):
    return client.post(f"/cases/{case.id}/liveness/",
                       {"nonce": nonce, "frame": [jpeg() for _ in range(count)], "offset_ms": [i * 300 for i in range(count)]},
                       HTTP_ACCEPT="application/json")


def test_the_step_asks_for_consent_first_then_takes_the_selfie_and_the_burst():
    client = Client()
    case = start_case(client)
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="biometric-consent"' in page and 'id="side-selfie"' not in page
    refused = client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "biometric_consent_required"

    client.post(f"/cases/{case.id}/consent/biometric/", {})  # box not ticked: no consent
    assert 'id="biometric-consent"' in client.get(f"/cases/{case.id}/").content.decode()
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="biometric-consent"' not in page and 'id="side-selfie"' in page and 'id="side-liveness"' in page
    assert "data-incomplete" in page

    selfie = client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))}, HTTP_ACCEPT="application/json")
    assert selfie.status_code == 200 and selfie.json()["ok"] and not selfie.json()["all_present"]
    issued = client.post(f"/cases/{case.id}/liveness/challenge/", HTTP_ACCEPT="application/json").json()
    assert issued["ok"] and len(issued["steps"]) == 2
    stored = burst(client, case, issued["nonce"])
    assert stored.status_code == 200 and stored.json()["ok"] and stored.json()["all_present"]
    assert "data-incomplete" not in client.get(f"/cases/{case.id}/").content.decode()
    assert client.post(f"/cases/{case.id}/submit/")["Location"].endswith("/status/")


def test_submit_without_the_selfie_says_what_is_missing_in_the_applicants_language():
    client = Client()
    case = start_case(client, language="ar")
    response = client.post(f"/cases/{case.id}/submit/", follow=True, HTTP_ACCEPT_LANGUAGE="ar")
    assert Case.objects.get(id=case.id).state == "draft"
    assert "Please take your selfie" not in response.content.decode()
    assert "صورة" in response.content.decode()  # the Arabic message names the selfie photo


def test_a_burst_of_the_wrong_shape_is_refused_in_the_page_with_its_code():
    client = Client()
    case = start_case(client)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    issued = client.post(f"/cases/{case.id}/liveness/challenge/").json()
    refused = burst(client, case, issued["nonce"], count=2)
    assert refused.status_code == 400 and refused.json()["code"] == "liveness_too_few_frames"
    incomplete = client.post(f"/cases/{case.id}/liveness/",
                             {"nonce": issued["nonce"], "frame": [jpeg(), jpeg()], "offset_ms": ["0"]})
    assert incomplete.status_code == 400 and incomplete.json()["code"] == "liveness_incomplete"
    assert not LivenessFrame.objects.exists()


def test_another_session_cannot_send_frames_to_the_case():
    client = Client()
    case = start_case(client)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    nonce = client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"]
    assert Client().post(f"/cases/{case.id}/liveness/challenge/").status_code == 404
    assert burst(Client(), case, nonce).status_code == 404
    assert not LivenessFrame.objects.exists()


def test_bursts_count_against_the_upload_rate_limit(settings):
    settings.APPLICANT_UPLOAD_RATE = "2/3600"
    client = Client()
    case = start_case(client)  # the passport page: one upload
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    nonce = client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"]
    assert burst(client, case, nonce).status_code == 200  # the second
    nonce = client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"]
    limited = burst(client, case, nonce)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_a_selfie_a_reviewer_asked_for_again_is_marked_on_the_page(scripted_ocr, django_capture_on_commit_callbacks):
    from kyc.core.audit import Actor
    from kyc.services.assignments import case_claim
    from kyc.services.decisions import case_decide
    from kyc.tasks import read_document
    from tests.support.personas import staff_member

    client = Client()
    case = start_case(client)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))})
    burst(client, case, client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/cases/{case.id}/submit/")
    read_document.apply(args=[str(case.documents.get(kind="passport").id)], task_id=f"read-{case.id}")
    reviewer = Actor.staff(staff_member("reviewer", username="page-decider"))
    case_claim(case_id=case.id, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=reviewer, outcome="request_resubmission", reason_codes=["image-unreadable"],
                    note="Please take the selfie again in better light.", requested_kinds=["selfie"])
    page = client.get(f"/cases/{case.id}/").content.decode()
    selfie_item = page[page.index('id="side-selfie"') - 80: page.index('id="side-liveness"')]
    assert "requested" in selfie_item and "New image needed" in selfie_item
    assert "Please take the selfie again in better light." in page
    assert "data-incomplete" in page


def test_without_a_camera_the_applicant_goes_on_with_the_selfie_alone_and_it_is_recorded():
    """No JavaScript, no camera: plain forms only. The skip is audited, the case can be submitted,
    and the status page lists the selfie and the head-turn check as not done."""
    from kyc.core.models import AuditEvent

    client = Client()
    case = start_case(client)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="liveness-skip"' in page and 'id="liveness-skipped"' not in page
    client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))})  # the plain upload form
    assert "data-incomplete" in client.get(f"/cases/{case.id}/").content.decode()

    followed = client.post(f"/cases/{case.id}/liveness/skip/", follow=True).content.decode()
    assert "the reviewer will know that the head-turn check was not done" in followed
    assert 'id="liveness-skipped"' in followed and 'id="liveness-skip"' not in followed
    assert "data-incomplete" not in followed
    assert AuditEvent.objects.filter(case_id=case.id, action="liveness.skipped").count() == 1
    client.post(f"/cases/{case.id}/liveness/skip/")  # twice (back button): one statement
    assert AuditEvent.objects.filter(case_id=case.id, action="liveness.skipped").count() == 1

    assert client.post(f"/cases/{case.id}/submit/")["Location"].endswith("/status/")
    status = client.get(f"/cases/{case.id}/status/").content.decode()
    liveness_row = status[status.index('data-kind="liveness"'):]
    liveness_row = liveness_row[:liveness_row.index("</li>")]
    assert "Head-turn check" in liveness_row and "Not done (no camera)" in liveness_row and "read-skipped" in status
    selfie_row = status[status.index('data-kind="selfie"'):]
    assert "Received" in selfie_row[:selfie_row.index("</li>")]
    rows = {row["kind"]: row for row in client.get(f"/cases/{case.id}/status.json").json()["documents"]}
    assert (rows["selfie"]["read_state"], rows["selfie"]["read_state_label"]) == ("pending", "Received")
    assert (rows["liveness"]["read_state"], rows["liveness"]["read_state_label"]) == ("skipped", "Not done (no camera)")


def test_a_skip_needs_the_biometric_consent_and_a_later_burst_replaces_it():
    client = Client()
    case = start_case(client)
    refused = client.post(f"/cases/{case.id}/liveness/skip/", follow=True)
    assert Case.objects.get(id=case.id).liveness_skipped_at is None
    assert refused.status_code == 200 and 'id="biometric-consent"' in refused.content.decode()

    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    client.post(f"/cases/{case.id}/liveness/skip/")
    assert Case.objects.get(id=case.id).liveness_skipped_at is not None
    burst(client, case, client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"])
    assert Case.objects.get(id=case.id).liveness_skipped_at is None  # the burst is what counts now
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="liveness-skipped"' not in page and 'id="liveness-skip"' not in page


@pytest.mark.parametrize("language, selfie_label, liveness_label, done_label", [
    ("ar", "الصورة الذاتية", "فحص التفات الرأس", "تم الاستلام"),
    ("zh-hans", "自拍", "转头检查", "已收到"),
])
def test_the_status_page_lists_the_face_steps_in_the_applicants_language(language, selfie_label, liveness_label,
                                                                         done_label):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    case = start_case(client, language=language)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))})
    burst(client, case, client.post(f"/cases/{case.id}/liveness/challenge/").json()["nonce"])
    client.post(f"/cases/{case.id}/submit/")
    rows = {row["kind"]: row for row in client.get(f"/cases/{case.id}/status.json").json()["documents"]}
    assert (rows["selfie"]["label"], rows["selfie"]["read_state_label"]) == (selfie_label, done_label)
    assert (rows["liveness"]["label"], rows["liveness"]["read_state_label"]) == (liveness_label, done_label)
    page = client.get(f"/cases/{case.id}/status/").content.decode()
    assert liveness_label in page and selfie_label in page


def test_a_reviewer_asking_for_a_new_selfie_asks_for_the_head_turn_again(scripted_ocr,
                                                                          django_capture_on_commit_callbacks):
    """An applicant who skipped the head turn and is asked for a new selfie is offered the check
    again, and cannot resubmit with the selfie alone on the old statement."""
    from kyc.core.audit import Actor
    from kyc.services.assignments import case_claim
    from kyc.services.decisions import case_decide
    from kyc.tasks import read_document
    from tests.support.personas import staff_member

    client = Client()
    case = start_case(client)
    client.post(f"/cases/{case.id}/consent/biometric/", {"consent_biometric": "yes"})
    client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))})
    client.post(f"/cases/{case.id}/liveness/skip/")
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/cases/{case.id}/submit/")
    read_document.apply(args=[str(case.documents.get(kind="passport").id)], task_id=f"read-{case.id}")
    reviewer = Actor.staff(staff_member("reviewer", username="skip-decider"))
    case_claim(case_id=case.id, actor=reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        case_decide(case_id=case.id, actor=reviewer, outcome="request_resubmission", reason_codes=["image-unreadable"],
                    note="Please take the selfie again with the head-turn check.", requested_kinds=["selfie"])
    assert Case.objects.get(id=case.id).liveness_skipped_at is None
    page = client.get(f"/cases/{case.id}/").content.decode()
    assert 'id="liveness-skip"' in page and 'id="liveness-skipped"' not in page
    client.post(f"/cases/{case.id}/documents/selfie/", {"file": jpeg((480, 640))})
    client.post(f"/cases/{case.id}/submit/")
    assert Case.objects.get(id=case.id).state == "resubmission_requested"  # the head turn (or a new statement) first
