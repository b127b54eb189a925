"""The whole chain walked through the pages: applicant uploads and submits, a reviewer decides."""

import pytest
from django.test import Client
from django.urls import reverse

from kyc.core.models import AuditEvent
from kyc.models import Case, Decision
from kyc.tasks import read_document
from tests.conftest import upload

pytestmark = pytest.mark.django_db


def start_case(client: Client, document_type="passport") -> Case:
    response = client.post(
        reverse("applicant:start"),
        {"email": "walker@example.test", "document_type": document_type, "issuing_country": "GBR",
         "consent_processing": "on", "consent_sensitive": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    return Case.objects.get()


def test_applicant_to_reviewer_decision(scripted_ocr, reviewer, django_capture_on_commit_callbacks):
    applicant = Client()
    case = start_case(applicant)
    response = applicant.post(reverse("applicant:upload", args=[case.id, "passport"]), {"file": upload()}, follow=True)
    assert response.status_code == 200
    assert case.documents.filter(is_current=True).count() == 1

    with django_capture_on_commit_callbacks(execute=False):
        response = applicant.post(reverse("applicant:submit", args=[case.id]), follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == "submitted"

    read_document.apply(args=[str(case.documents.get().id)], task_id="page-chain")
    status = applicant.get(reverse("applicant:status_json", args=[case.id])).json()
    assert status["state"] == "ready_for_review"

    staff = Client()
    assert staff.get(reverse("reviewer:queue")).status_code == 302  # login first
    staff.force_login(reviewer)
    queue = staff.get(reverse("reviewer:queue"))
    assert case.reference in queue.content.decode()
    workspace = staff.get(reverse("reviewer:case", args=[case.id]))
    assert workspace.status_code == 200
    image = staff.get(reverse("reviewer:document_image", args=[case.documents.get().id]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert AuditEvent.objects.filter(action="document.viewed", case_id=case.id).count() == 1


def test_another_browser_cannot_see_or_change_the_case(scripted_ocr):
    owner, stranger = Client(), Client()
    case = start_case(owner)
    assert stranger.get(reverse("applicant:case", args=[case.id])).status_code == 404
    assert stranger.get(reverse("applicant:status_json", args=[case.id])).status_code == 404
    response = stranger.post(reverse("applicant:upload", args=[case.id, "passport"]), {"file": upload()})
    assert response.status_code == 404
    assert case.documents.count() == 0


def test_document_images_are_for_reviewers_only(scripted_ocr, db):
    from tests.conftest import make_case
    from tests.support.personas import staff_member

    case = make_case("passport")
    document = case.documents.get()
    url = reverse("reviewer:document_image", args=[document.id])
    assert Client().get(url).status_code in (302, 403, 404)
    outsider = Client()
    outsider.force_login(staff_member(None, username="clerk"))  # staff without the review permission
    assert outsider.get(url).status_code in (302, 403, 404)
    assert not AuditEvent.objects.filter(action="document.viewed").exists()
    assert not Decision.objects.exists()
